-- Issuing a coupon as one database call (src/loyalty/coupons/issue.ts). A popular coupon is claimed by thousands at
-- once; issued from the application, each claim cost five round trips (BEGIN with the tenant settings, read, insert,
-- take stock, COMMIT) and the server's time went to socket writes. As one function it is one round trip: called
-- on its own it is a whole tenant transaction, and inside a caller's tenant transaction it is part of it.

-- A template's short description ("满300减50"), written when it is created (rules never change after), so the
-- coupon_issued event can carry it without the application. Templates made before this migration fall back to
-- their name.
ALTER TABLE coupon_templates ADD COLUMN summary jsonb;

-- Outcomes (jsonb): issued {coupon}, replay {coupon} (the key was used before), refused {reason, template, holding},
-- gated {template, root} (a tier list or an unpaid points price: the application checks those and calls again with
-- p_gates_checked), no_template, no_customer. Refusals write nothing.
CREATE FUNCTION siyu_issue_coupon(
  p_workspace text, p_template bigint, p_customer bigint, p_key text, p_codes text[],
  p_source_type text, p_source_id text, p_now timestamptz, p_paid boolean, p_gates_checked boolean
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  t coupon_templates;
  earlier coupons;
  made coupons;
  member bigint;
  per_member int;
  holding int;
  starts timestamptz;
  ends timestamptz;
BEGIN
  -- Enter the tenant for the rest of the transaction (row-level security applies from here); never switch tenants
  -- inside another tenant's transaction.
  IF coalesce(current_setting('app.workspace_id', true), '') NOT IN ('', p_workspace) THEN
    RAISE EXCEPTION 'siyu_issue_coupon: workspace % inside a transaction of workspace %', p_workspace, current_setting('app.workspace_id');
  END IF;
  PERFORM set_config('app.workspace_id', p_workspace, true), set_config('role', 'siyu_tenant', true);

  SELECT * INTO t FROM coupon_templates WHERE workspace_id = p_workspace AND id = p_template;
  IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'no_template'); END IF;
  SELECT * INTO earlier FROM coupons WHERE workspace_id = p_workspace AND idempotency_key = p_key;
  IF FOUND THEN RETURN jsonb_build_object('outcome', 'replay', 'coupon', to_jsonb(earlier)); END IF;
  SELECT canonical_id INTO member FROM customers WHERE workspace_id = p_workspace AND id = p_customer;
  IF member IS NULL THEN RETURN jsonb_build_object('outcome', 'no_customer'); END IF;

  IF t.status <> 'active' THEN RETURN jsonb_build_object('outcome', 'refused', 'reason', 'template_paused', 'template', to_jsonb(t)); END IF;
  IF t.rules->'validity'->>'kind' = 'fixed' AND (t.rules->'validity'->>'to')::timestamptz <= p_now THEN
    RETURN jsonb_build_object('outcome', 'refused', 'reason', 'template_ended', 'template', to_jsonb(t));
  END IF;
  IF t.stock IS NOT NULL AND t.issued >= t.stock THEN RETURN jsonb_build_object('outcome', 'refused', 'reason', 'out_of_stock', 'template', to_jsonb(t)); END IF;
  IF NOT p_gates_checked AND (jsonb_array_length(coalesce(t.rules->'tiers', '[]')) > 0 OR (coalesce((t.rules->>'pointsPrice')::bigint, 0) > 0 AND NOT p_paid)) THEN
    RETURN jsonb_build_object('outcome', 'gated', 'template', to_jsonb(t), 'root', member);
  END IF;

  IF t.rules->'validity'->>'kind' = 'fixed' THEN
    starts := (t.rules->'validity'->>'from')::timestamptz;
    ends := (t.rules->'validity'->>'to')::timestamptz;
  ELSE
    starts := p_now;
    ends := p_now + (t.rules->'validity'->>'days')::int * interval '24 hours';
  END IF;

  -- The member's next slot, if under the per-member limit. Nothing inserted means a replay that raced us, the
  -- limit, a slot another claim took first, or (rarely) a code already taken: look why, and try the next code.
  per_member := coalesce((t.rules->>'perCustomer')::int, 0);
  FOR attempt IN 1 .. coalesce(array_length(p_codes, 1), 0) LOOP
    INSERT INTO coupons (workspace_id, template_id, customer_id, slot, code, valid_from, valid_to, source_type, source_id, idempotency_key, issued_at)
    SELECT p_workspace, p_template, member, held.next, p_codes[attempt], starts, ends, p_source_type, p_source_id, p_key, p_now
      FROM (SELECT count(*) FILTER (WHERE status <> 'void') AS live, COALESCE(max(slot), 0) + 1 AS next
              FROM coupons WHERE workspace_id = p_workspace AND template_id = p_template AND customer_id = member) held
     WHERE per_member = 0 OR held.live < per_member
    ON CONFLICT DO NOTHING RETURNING * INTO made;
    EXIT WHEN made.id IS NOT NULL;
    SELECT * INTO earlier FROM coupons WHERE workspace_id = p_workspace AND idempotency_key = p_key;
    IF FOUND THEN RETURN jsonb_build_object('outcome', 'replay', 'coupon', to_jsonb(earlier)); END IF;
    SELECT count(*) FILTER (WHERE status <> 'void') INTO holding FROM coupons WHERE workspace_id = p_workspace AND template_id = p_template AND customer_id = member;
    IF per_member > 0 AND holding >= per_member THEN
      RETURN jsonb_build_object('outcome', 'refused', 'reason', 'coupon_limit', 'template', to_jsonb(t), 'holding', holding);
    END IF;
  END LOOP;
  IF made.id IS NULL THEN RETURN jsonb_build_object('outcome', 'refused', 'reason', 'busy', 'template', to_jsonb(t)); END IF;

  -- Last, one from stock: the template row stays locked only from here to commit. The database refuses issued >
  -- stock; a claim that loses the race takes its coupon back, so a refusal leaves nothing behind.
  UPDATE coupon_templates SET issued = coupon_templates.issued + 1
   WHERE workspace_id = p_workspace AND id = p_template AND (stock IS NULL OR coupon_templates.issued < stock);
  IF NOT FOUND THEN
    DELETE FROM coupons WHERE workspace_id = p_workspace AND id = made.id;
    RETURN jsonb_build_object('outcome', 'refused', 'reason', 'out_of_stock', 'template', to_jsonb(t));
  END IF;
  INSERT INTO events (workspace_id, message_id, customer_id, type, event, properties, ts)
  VALUES (p_workspace, 'coupon-issued:' || made.id, member, 'track', 'coupon_issued',
          jsonb_build_object('coupon_id', made.id, 'template_id', t.id, 'template', t.name, 'kind', t.kind,
                             'text', coalesce(t.summary->>'zh', t.name), 'source', p_source_type, 'valid_to', ends),
          p_now)
  ON CONFLICT DO NOTHING;
  RETURN jsonb_build_object('outcome', 'issued', 'coupon', to_jsonb(made));
END $$;
