// zh-CN first, English available. Keys are the English phrases' ids; missing English falls back to Chinese.
import { createContext, useContext, useState, type ReactNode } from 'react';

export type Lang = 'zh-CN' | 'en';

const zh = {
  appName: '私域 Siyu', login: '登录', logout: '退出', email: '邮箱', password: '密码', loginFailed: '登录失败',
  overview: '概览', customers: '客户', customer360: '客户画像', imports: '数据导入', identity: '身份合并', settings: '设置',
  tags: '标签', segments: '分群', layers: '用户分层', predictions: '智能预测', journeys: '自动化旅程', broadcasts: '群发',
  channels: '渠道与触点', community: '社群运营', loyalty: '会员积分', content: '内容素材', assistant: '智能客服',
  analytics: '数据分析', risk: '风控', team: '团队', compliance: '合规',
  groupData: '数据', groupUnderstand: '客户洞察', groupReach: '触达', groupOps: '运营', groupAdmin: '管理',
  comingSoon: '此功能尚未实现', comingSoonBody: '该能力在路线图中（见 issue #{n}）。当前版本已提供：数据采集、OneID 身份合并、客户画像、导入与概览。',
  totalCustomers: '客户总数', knownCustomers: '已识别客户', buyers: '购买客户', repeatBuyers: '复购客户', newCustomers: '近{d}天新客',
  orders: '订单数', gmv: '成交额 GMV', aov: '客单价', events: '行为事件', dailyGmv: '近90天每日成交', bySource: '客户来源渠道',
  search: '按手机号、姓名、邮箱或客户ID搜索', source: '来源', all: '全部', name: '姓名', phone: '手机号', city: '城市', orderCount: '订单',
  totalSpent: '累计消费', lastSeen: '最近活跃', known: '已识别', anonymous: '匿名', loadMore: '加载更多', noCustomers: '还没有客户。去「数据导入」上传客户或订单文件，或用 Segment SDK 接入行为数据。',
  profile: '基本信息', identities: '身份标识', stats: '消费统计', timeline: '时间线', merges: '合并记录', reveal: '查看明文', revealed: '明文（已记录审计）',
  firstOrder: '首单时间', lastOrder: '最近下单', unmerge: '拆分', unmergeReason: '拆分原因', unmergeDone: '已拆分，两个客户均已恢复',
  mergeWhy: '合并原因', undone: '已撤销', firstTouch: '首次来源', attributes: '属性', conflicts: '身份冲突',
  importTitle: '导入客户、订单或行为', importKind: '数据类型', kindCustomers: '客户', kindOrders: '订单', kindEvents: '行为事件',
  timezone: '时区', currency: '币种', moneyUnit: '金额单位', major: '元（2.55）', minor: '分（255）', upload: '选择文件并上传',
  importHint: '支持 CSV 与 XLSX，单个文件可达 2GB。系统自动识别常见表头（如 订单号/InvoiceNo、手机号/Phone），无效行会进入错误报告，有效行照常导入。',
  status: '状态', progress: '进度', rows: '行数', okRows: '成功', errorRows: '失败', errorReport: '下载错误报告', noImports: '还没有导入任务。上传第一个文件开始吧。',
  statusQueued: '排队中', statusRunning: '导入中', statusDone: '已完成', statusFailed: '失败', file: '文件', createdAt: '创建时间',
  ingestLog: '实时采集缓冲', ingestLogHint: '埋点数据先写入 NATS JetStream 并立即确认，再由后台写入数据库并完成身份合并。多次写入失败的条目会被搁置在这里（仍加密保存），排除原因后可重新投递。',
  ingestBacklog: '待写入的条目', noDeadLetters: '没有被搁置的条目，一切正常。', attempts: '尝试次数', error: '错误', replay: '重新投递', replayed: '已重新投递',
  apiKeys: 'API 密钥', writeKey: '写入密钥', secretKey: '管理密钥', createKey: '新建密钥', keyShownOnce: '请立即复制，密钥只显示一次：',
  identityRules: '身份识别规则', strength: '强度', unique: '唯一', weak: '弱', maxPerCustomer: '每人上限', priority: '优先级', unlimited: '不限',
  audit: '审计日志', action: '操作', actor: '操作者', target: '对象', time: '时间', language: 'English',
  notFound: '页面不存在', back: '返回', emptyTimeline: '暂无记录', view: '查看',
  order: '订单', refund: '退款', idType: '类型', idValue: '标识', profileId: '所属档案', idSource: '来源',
  hasOrders: '购买情况', withOrders: '已购买', withoutOrders: '未购买', identified: '识别状态',
};

type Dict = typeof zh;

const en: Partial<Dict> = {
  appName: 'Siyu', login: 'Log in', logout: 'Log out', email: 'Email', password: 'Password', loginFailed: 'Login failed',
  overview: 'Overview', customers: 'Customers', customer360: 'Customer 360', imports: 'Imports', identity: 'Identity', settings: 'Settings',
  tags: 'Tags', segments: 'Segments', layers: 'Layers', predictions: 'Predictions', journeys: 'Journeys', broadcasts: 'Broadcasts',
  channels: 'Channels', community: 'Community', loyalty: 'Loyalty', content: 'Content', assistant: 'AI assistant',
  analytics: 'Analytics', risk: 'Risk control', team: 'Team', compliance: 'Compliance',
  groupData: 'Data', groupUnderstand: 'Understand', groupReach: 'Reach', groupOps: 'Operate', groupAdmin: 'Admin',
  comingSoon: 'Not built yet', comingSoonBody: 'This capability is on the roadmap (issue #{n}). Available now: data collection, OneID, customer 360, imports and the overview.',
  totalCustomers: 'Customers', knownCustomers: 'Identified', buyers: 'Buyers', repeatBuyers: 'Repeat buyers', newCustomers: 'New in {d} days',
  orders: 'Orders', gmv: 'GMV', aov: 'AOV', events: 'Events', dailyGmv: 'Daily GMV, last 90 days', bySource: 'Customers by source',
  search: 'Search by phone, name, email or customer id', source: 'Source', all: 'All', name: 'Name', phone: 'Phone', city: 'City', orderCount: 'Orders',
  totalSpent: 'Total spent', lastSeen: 'Last seen', known: 'Identified', anonymous: 'Anonymous', loadMore: 'Load more', noCustomers: 'No customers yet. Upload a customer or order file under Imports, or point a Segment SDK at Siyu.',
  profile: 'Profile', identities: 'Identities', stats: 'Purchases', timeline: 'Timeline', merges: 'Merges', reveal: 'Reveal', revealed: 'Revealed (audited)',
  firstOrder: 'First order', lastOrder: 'Last order', unmerge: 'Unmerge', unmergeReason: 'Why unmerge?', unmergeDone: 'Unmerged: both profiles are restored',
  mergeWhy: 'Why merged', undone: 'Undone', firstTouch: 'First touch', attributes: 'Attributes', conflicts: 'Identity conflicts',
  importTitle: 'Import customers, orders or events', importKind: 'Data', kindCustomers: 'Customers', kindOrders: 'Orders', kindEvents: 'Events',
  timezone: 'Time zone', currency: 'Currency', moneyUnit: 'Money unit', major: 'Major (2.55)', minor: 'Minor (255)', upload: 'Choose file and upload',
  importHint: 'CSV and XLSX up to 2 GB. Common headers are recognised (InvoiceNo, Phone, 订单号 …). Invalid rows go to the error report; valid rows import.',
  status: 'Status', progress: 'Progress', rows: 'Rows', okRows: 'Imported', errorRows: 'Errors', errorReport: 'Download error report', noImports: 'No imports yet. Upload your first file.',
  statusQueued: 'Queued', statusRunning: 'Running', statusDone: 'Done', statusFailed: 'Failed', file: 'File', createdAt: 'Created',
  ingestLog: 'Ingest log', ingestLogHint: 'Tracking is acknowledged once NATS JetStream stores it, then written to the database with identity resolution in the background. Entries that failed repeatedly are set aside here (still encrypted); mend the cause and replay them.',
  ingestBacklog: 'Entries waiting', noDeadLetters: 'Nothing set aside; all is well.', attempts: 'Attempts', error: 'Error', replay: 'Replay', replayed: 'Replayed',
  apiKeys: 'API keys', writeKey: 'Write key', secretKey: 'Secret key', createKey: 'New key', keyShownOnce: 'Copy it now; it is shown only once:',
  identityRules: 'Identity rules', strength: 'Strength', unique: 'Unique', weak: 'Weak', maxPerCustomer: 'Max per customer', priority: 'Priority', unlimited: 'Unlimited',
  audit: 'Audit log', action: 'Action', actor: 'Actor', target: 'Target', time: 'Time', language: '中文',
  notFound: 'Page not found', back: 'Back', emptyTimeline: 'Nothing yet', view: 'View',
  order: 'Order', refund: 'Refund', idType: 'Type', idValue: 'Value', profileId: 'Profile', idSource: 'Source',
  hasOrders: 'Purchases', withOrders: 'Bought', withoutOrders: 'Never bought', identified: 'Identified',
};

export type TKey = keyof Dict;
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

export function useT() {
  const { lang } = useLang();
  return (key: TKey, vars: Record<string, string | number> = {}) => {
    const s = (lang === 'en' ? en[key] : undefined) ?? zh[key];
    return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  };
}
