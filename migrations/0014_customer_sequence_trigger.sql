-- Every workspace gets its dense customer-id sequence (identity/customer-ids.ts) when its row is inserted, so whoever
-- creates workspaces (access) need not know about customers.
CREATE FUNCTION siyu_create_customer_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE seq text := 'customer_seq_' || lower(regexp_replace(NEW.id, '[^a-zA-Z0-9_]', '_', 'g'));
BEGIN
  EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', seq);
  EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO siyu_tenant', seq);
  RETURN NEW;
END $$;

CREATE TRIGGER workspaces_customer_sequence AFTER INSERT ON workspaces FOR EACH ROW EXECUTE FUNCTION siyu_create_customer_sequence();
