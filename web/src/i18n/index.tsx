// zh-CN first, English available: t('key', { n: 3 }) looks the key up in the active language ({name} placeholders).
import { createContext, useContext, useState, type ReactNode } from 'react';
import { MESSAGES } from './messages/index.ts';

export type Lang = 'zh-CN' | 'en';
export type TKey = keyof typeof MESSAGES;

const LangContext = createContext<{ lang: Lang; setLang(l: Lang): void }>({ lang: 'zh-CN', setLang: () => {} });

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem('siyu.lang') as Lang) || 'zh-CN');
  const setLang = (l: Lang) => {
    localStorage.setItem('siyu.lang', l);
    setLangState(l);
  };
  return <LangContext.Provider value={{ lang, setLang }}>{children}</LangContext.Provider>;
}

export function useLang() {
  return useContext(LangContext);
}

/** The message for a key in a language, with {placeholders} filled. */
export function translate(lang: Lang, key: TKey, vars: Record<string, string | number> = {}): string {
  const [zh, en] = MESSAGES[key];
  return (lang === 'en' ? en : zh).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

export function useT() {
  const { lang } = useLang();
  return (key: TKey, vars: Record<string, string | number> = {}) => translate(lang, key, vars);
}
