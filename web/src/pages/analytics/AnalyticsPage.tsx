// 数据分析: metrics, funnels, retention, paths, attribution, my dashboards and the automatic reports, under one
// date range and set of filters.
import { useState } from 'react';
import { Tabs } from 'antd';
import { useLang } from '../../i18n/index.tsx';
import { defaultQuery, FilterBar, type Query } from './shared.tsx';
import { MetricsTab } from './MetricsTab.tsx';
import { FunnelTab } from './FunnelTab.tsx';
import { PathsTab, RetentionTab } from './CohortTabs.tsx';
import { AttributionTab, DashboardsTab, ReportsTab } from './ReachTabs.tsx';

export function AnalyticsPage() {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const [q, setQ] = useState<Query>(defaultQuery(90));
  const [tab, setTab] = useState('metrics');
  const filtered = !['dashboards', 'reports'].includes(tab);
  return (
    <>
      {filtered && <FilterBar q={q} onChange={setQ} zh={zh} interval={tab === 'metrics'} />}
      <Tabs activeKey={tab} onChange={setTab} destroyInactiveTabPane items={[
        { key: 'metrics', label: zh ? '指标' : 'Metrics', children: <MetricsTab q={q} zh={zh} /> },
        { key: 'funnels', label: zh ? '漏斗' : 'Funnels', children: <FunnelTab q={q} zh={zh} /> },
        { key: 'retention', label: zh ? '留存与群组' : 'Retention', children: <RetentionTab q={q} zh={zh} /> },
        { key: 'paths', label: zh ? '路径' : 'Paths', children: <PathsTab q={q} zh={zh} /> },
        { key: 'attribution', label: zh ? '归因与 ROI' : 'Attribution', children: <AttributionTab q={q} zh={zh} /> },
        { key: 'dashboards', label: zh ? '我的看板' : 'Dashboards', children: <DashboardsTab zh={zh} /> },
        { key: 'reports', label: zh ? '自动报告' : 'Reports', children: <ReportsTab zh={zh} /> },
      ]} />
    </>
  );
}
