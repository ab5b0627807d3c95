// The console frame: navigation for every capability in PRODUCT.md, language switch, account.
import { Button, Layout, Menu, Space, Typography } from 'antd';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useLang, useT, type TKey } from '../i18n.tsx';
import { api } from '../api.ts';
import type { Me } from '../main.tsx';

/** Capabilities not built yet, with the issue that builds them; their pages say so. */
export const COMING_SOON: { key: TKey; issue: number }[] = [
  { key: 'community', issue: 0 }, { key: 'assistant', issue: 0 },
  { key: 'risk', issue: 0 }, { key: 'team', issue: 0 }, { key: 'compliance', issue: 0 },
];

const GROUPS: { key: TKey; items: TKey[] }[] = [
  { key: 'groupData', items: ['overview', 'customers', 'identity', 'imports'] },
  { key: 'groupUnderstand', items: ['tags', 'segments', 'layers', 'predictions', 'analytics'] },
  { key: 'groupReach', items: ['journeys', 'broadcasts', 'channels', 'content', 'assistant'] },
  { key: 'groupOps', items: ['community', 'loyalty', 'risk'] },
  { key: 'groupAdmin', items: ['team', 'compliance', 'settings'] },
];

export function AppLayout({ me, onLogout }: { me: Me; onLogout(): void }) {
  const t = useT();
  const { lang, setLang } = useLang();
  const navigate = useNavigate();
  const location = useLocation();
  const path = (k: TKey) => (k === 'overview' ? '/' : `/${k}`);
  const selected = GROUPS.flatMap((g) => g.items).find((k) => (k === 'overview' ? location.pathname === '/' : location.pathname.startsWith(path(k))));
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={200} theme="light" breakpoint="lg" collapsedWidth={0}>
        <Typography.Title level={4} style={{ padding: '16px 24px', margin: 0, color: '#c0392b' }}>{t('appName')}</Typography.Title>
        <Menu
          mode="inline"
          selectedKeys={selected ? [selected] : []}
          defaultOpenKeys={GROUPS.map((g) => g.key)}
          items={GROUPS.map((g) => ({ type: 'group', key: g.key, label: t(g.key), children: g.items.map((k) => ({ key: k, label: t(k), 'data-testid': `nav-${k}` })) }))}
          onClick={(e) => navigate(path(e.key as TKey))}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: '#fff', display: 'flex', justifyContent: 'space-between', alignItems: 'center', padding: '0 24px' }}>
          <Typography.Text strong>{me.workspace.name}</Typography.Text>
          <Space>
            <Button size="small" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')} data-testid="lang-switch">{t('language')}</Button>
            <Typography.Text type="secondary">{me.actor.email ?? me.actor.role}</Typography.Text>
            <Button size="small" onClick={async () => { await api('POST', '/v1/auth/logout'); onLogout(); }}>{t('logout')}</Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
