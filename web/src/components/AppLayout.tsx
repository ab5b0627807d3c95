// The console frame: navigation from the modules the server runs (each declares its entries; /v1/auth/me gives
// those this role may open), the capabilities still to come, language switch, account.
import { Button, Layout, Menu, Space, Typography } from 'antd';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useLang, useT, type TKey } from '../i18n/index.tsx';
import { api } from '../api.ts';
import type { Me } from '../main.tsx';

type NavEntry = Me['nav'][number];

/** Capabilities not built yet, shown where a module would put them until one does; their pages say so. */
export const COMING_SOON: NavEntry[] = [
  { path: '/assistant', label: 'assistant', group: 'reach', order: 60, icon: '' },
  { path: '/community', label: 'community', group: 'operate', order: 10, icon: '' },
  { path: '/risk', label: 'risk', group: 'operate', order: 30, icon: '' },
  { path: '/team', label: 'team', group: 'admin', order: 10, icon: '' },
  { path: '/compliance', label: 'compliance', group: 'admin', order: 20, icon: '' },
];

const GROUPS: { key: NavEntry['group']; label: TKey }[] = [
  { key: 'data', label: 'groupData' },
  { key: 'understand', label: 'groupUnderstand' },
  { key: 'reach', label: 'groupReach' },
  { key: 'operate', label: 'groupOps' },
  { key: 'admin', label: 'groupAdmin' },
];

/** The menu: the server's entries, and the coming-soon ones no module provides yet. */
export function navEntries(me: Me): NavEntry[] {
  const served = new Set(me.nav.map((n) => n.path));
  return [...me.nav, ...COMING_SOON.filter((c) => !served.has(c.path))].sort((a, b) => a.order - b.order);
}

export function AppLayout({ me, onLogout }: { me: Me; onLogout(): void }) {
  const t = useT();
  const { lang, setLang } = useLang();
  const navigate = useNavigate();
  const location = useLocation();
  const entries = navEntries(me);
  const selected = entries.find((n) => (n.path === '/' ? location.pathname === '/' : location.pathname.startsWith(n.path)));
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={200} theme="light" breakpoint="lg" collapsedWidth={0}>
        <Typography.Title level={4} style={{ padding: '16px 24px', margin: 0, color: '#c0392b' }}>{t('appName')}</Typography.Title>
        <Menu
          mode="inline"
          selectedKeys={selected ? [selected.path] : []}
          defaultOpenKeys={GROUPS.map((g) => g.key)}
          items={GROUPS.map((g) => ({
            type: 'group', key: g.key, label: t(g.label),
            children: entries.filter((n) => n.group === g.key).map((n) => ({ key: n.path, label: t(n.label as TKey), 'data-testid': `nav-${n.label}` })),
          }))}
          onClick={(e) => navigate(e.key)}
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
