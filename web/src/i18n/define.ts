// Messages are declared per area as [zh-CN, en] pairs, so no key can lack either language (the compiler refuses a
// pair with one string; test/i18n.test.ts checks that placeholders match and no string is empty).
export type Pair = readonly [zh: string, en: string];

export const defineMessages = <K extends string>(messages: Record<K, Pair>): Record<K, Pair> => messages;
