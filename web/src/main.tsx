import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { App as AntApp, ConfigProvider, Spin } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { LangProvider, useLang, type TKey } from './i18n/index.tsx';
import { api, type Schemas } from './api.ts';
import { AppLayout, COMING_SOON } from './components/AppLayout.tsx';
import { LoginPage } from './pages/Login.tsx';
import { OverviewPage } from './pages/Overview.tsx';
import { CustomersPage } from './pages/Customers.tsx';
import { CustomerPage } from './pages/Customer360.tsx';
import { ImportsPage } from './pages/Imports.tsx';
import { SettingsPage } from './pages/Settings.tsx';
import { ComingSoonPage } from './pages/ComingSoon.tsx';
import { SegmentEditorPage, SegmentsPage } from './pages/Segments.tsx';
import { TagsPage } from './pages/Tags.tsx';
import { LayersPage } from './pages/Layers.tsx';
import { PredictionsPage } from './pages/Predictions.tsx';
import { IdentityPage } from './pages/identity/IdentityPage.tsx';
import { LoyaltyPage } from './pages/loyalty/LoyaltyPage.tsx';
import { JourneysPage } from './pages/journeys/JourneysPage.tsx';
import { JourneyEditorPage } from './pages/journeys/JourneyEditor.tsx';
import { BroadcastsPage } from './pages/broadcasts/BroadcastsPage.tsx';
import { TemplatesPage } from './pages/content/TemplatesPage.tsx';
import { ChannelsPage } from './pages/channels/ChannelsPage.tsx';
import { AnalyticsPage } from './pages/analytics/AnalyticsPage.tsx';

/** Who is signed in, with the console's navigation (GET /v1/auth/me). */
export type Me = Schemas['Me'];

function Root() {
  const { lang } = useLang();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const refresh = () => api('GET', '/v1/auth/me').then(setMe, () => setMe(null));
  useEffect(() => {
    refresh();
    const onLogout = () => setMe(null);
    window.addEventListener('siyu:logged-out', onLogout);
    return () => window.removeEventListener('siyu:logged-out', onLogout);
  }, []);
  return (
    <ConfigProvider locale={lang === 'en' ? enUS : zhCN} theme={{ token: { colorPrimary: '#c0392b' } }}>
      <AntApp>
        {me === undefined ? (
          <Spin style={{ marginTop: 200, width: '100%' }} />
        ) : me === null ? (
          <LoginPage onLoggedIn={refresh} />
        ) : (
          <Routes>
            <Route element={<AppLayout me={me} onLogout={() => setMe(null)} />}>
              <Route path="/" element={<OverviewPage />} />
              <Route path="/customers" element={<CustomersPage />} />
              <Route path="/customers/:id" element={<CustomerPage me={me} />} />
              <Route path="/imports" element={<ImportsPage />} />
              <Route path="/identity" element={<IdentityPage canMerge={me.permissions.includes('identity:merge')} canEditRules={me.permissions.includes('identity:rules')} />} />
              <Route path="/settings" element={<SettingsPage />} />
              <Route path="/loyalty" element={<LoyaltyPage canManage={me.permissions.includes('loyalty:manage')} />} />
              <Route path="/tags" element={<TagsPage />} />
              <Route path="/segments" element={<SegmentsPage />} />
              <Route path="/segments/:key" element={<SegmentEditorPage />} />
              <Route path="/layers" element={<LayersPage />} />
              <Route path="/predictions" element={<PredictionsPage />} />
              <Route path="/journeys" element={<JourneysPage />} />
              <Route path="/journeys/:id" element={<JourneyEditorPage />} />
              <Route path="/broadcasts" element={<BroadcastsPage />} />
              <Route path="/content" element={<TemplatesPage />} />
              <Route path="/analytics" element={<AnalyticsPage />} />
              <Route path="/channels" element={<ChannelsPage canManage={me.permissions.includes('channels:manage')} />} />
              {COMING_SOON.filter((c) => !me.nav.some((n) => n.path === c.path)).map((c) => (
                <Route key={c.path} path={c.path} element={<ComingSoonPage titleKey={c.label as TKey} issue={0} />} />
              ))}
              <Route path="*" element={<Navigate to="/" replace />} />
            </Route>
          </Routes>
        )}
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <LangProvider>
      <BrowserRouter>
        <Root />
      </BrowserRouter>
    </LangProvider>
  </StrictMode>,
);
