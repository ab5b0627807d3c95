import { Result } from 'antd';
import { useT, type TKey } from '../i18n/index.tsx';

export function ComingSoonPage({ titleKey, issue }: { titleKey: TKey; issue: number }) {
  const t = useT();
  return <Result status="info" title={`${t(titleKey)} — ${t('comingSoon')}`} subTitle={issue ? t('comingSoonBody', { n: issue }) : t('comingSoonBody', { n: '—' })} />;
}
