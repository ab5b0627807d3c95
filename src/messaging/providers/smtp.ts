// Email over SMTP (nodemailer). The Message-ID is derived from the outbox row, so a message re-sent after a crash
// carries the same id and mail systems can drop the duplicate; List-Unsubscribe gives one-click unsubscribe.
import nodemailer, { type Transporter } from 'nodemailer';
import { ProviderError, type Provider } from './provider.ts';

const transports = new Map<string, Transporter>();

function transportFor(config: Record<string, any>, secret: string | null): Transporter {
  const key = JSON.stringify([config.host, config.port, config.secure, config.user, secret]);
  let t = transports.get(key);
  if (!t) {
    t = nodemailer.createTransport({
      host: config.host,
      port: Number(config.port ?? 587),
      secure: Boolean(config.secure),
      auth: config.user ? { user: config.user, pass: secret ?? '' } : undefined,
      pool: true,
      maxConnections: 2,
      tls: { rejectUnauthorized: config.rejectUnauthorized !== false },
    });
    transports.set(key, t);
  }
  return t;
}

export const smtpProvider: Provider = {
  addressOf: (p) => p.email ?? null,
  async send(msg, settings) {
    if (!msg.to) throw new ProviderError('the customer has no email address', false);
    try {
      const info = await transportFor(settings.config, settings.secret).sendMail({
        from: settings.config.from,
        to: msg.to,
        subject: msg.subject ?? '',
        html: msg.body,
        messageId: `<${msg.idemKey.replace(/[^A-Za-z0-9._-]/g, '.')}.${msg.workspaceId}@siyu>`,
        headers: msg.unsubscribeUrl ? { 'List-Unsubscribe': `<${msg.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {},
      });
      return { providerId: info.messageId };
    } catch (err: any) {
      // 5xx replies are permanent (bad address, rejected); connection trouble and 4xx are worth another try.
      const permanent = typeof err?.responseCode === 'number' && err.responseCode >= 500;
      throw new ProviderError(`SMTP: ${err?.message ?? err}`, !permanent);
    }
  },
};

export async function closeSmtpTransports() {
  for (const t of transports.values()) t.close();
  transports.clear();
}
