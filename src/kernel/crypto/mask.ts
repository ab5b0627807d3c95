// Display masks for PII, shown to roles that may not read PII (and in lists for everyone).

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length >= 7) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  return '****';
}

export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** Chinese names keep the surname: 张** ; Latin names keep initials. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '';
  if (/^[\u4e00-\u9fff]/.test(chars[0])) return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
  return name.trim().split(/\s+/).map((w) => `${w[0]}.`).join(' ');
}

export function maskId(value: string): string {
  if (value.length <= 6) return `${value.slice(0, 1)}***`;
  return `${value.slice(0, 3)}***${value.slice(-3)}`;
}

export function maskAddress(address: string): string {
  const chars = [...address];
  return chars.slice(0, Math.min(6, Math.ceil(chars.length / 3))).join('') + '****';
}

export const maskBirthday = (birthday: string) => `****${birthday.slice(4, 10).replace(/\d/g, '*')}`;

export function maskFor(kind: string, value: string): string {
  switch (kind) {
    case 'phone':
      return maskPhone(value);
    case 'email':
      return maskEmail(value);
    case 'name':
      return maskName(value);
    case 'address':
      return maskAddress(value);
    case 'birthday':
      return maskBirthday(value);
    default:
      return maskId(value);
  }
}
