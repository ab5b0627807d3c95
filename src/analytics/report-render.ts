// A report as a self-contained HTML page (to read in the browser or mail) and as one SVG image (to download and
// share): headline cards with the change against expectation, a bar chart of each metric's recent periods, and the
// anomalies in words. Every string that comes from data is escaped.
import type { ReportMetric, ReportSummary } from './reports.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const FONT = `'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif`;

const shown = (m: ReportMetric, v: number | null) => {
  if (v == null) return '—';
  if (m.unit === 'ratio') return `${(v * 100).toFixed(1)}%`;
  if (m.unit === 'fen') return `¥${(v / 100).toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
  return Math.round(v).toLocaleString('en-US');
};

const change = (m: ReportMetric) => {
  if (m.value == null || m.expected == null) return '';
  const d = m.value - m.expected;
  if (m.unit === 'ratio') return `${d >= 0 ? '▲' : '▼'} ${Math.abs(d * 100).toFixed(1)}pp`;
  return m.expected ? `${d >= 0 ? '▲' : '▼'} ${Math.abs((d / m.expected) * 100).toFixed(1)}%` : '';
};

/** Bars of the recent periods and this one (highlighted), in a box at (x, y). */
function bars(m: ReportMetric, x: number, y: number, w: number, h: number): string {
  const values = m.history.map((p) => p.value ?? 0);
  const max = Math.max(...values, 1e-9);
  const bw = w / values.length;
  return values.map((v, i) => {
    const bh = Math.max(1, (v / max) * h);
    const last = i === values.length - 1;
    return `<rect x="${(x + i * bw + 2).toFixed(1)}" y="${(y + h - bh).toFixed(1)}" width="${(bw - 4).toFixed(1)}" height="${bh.toFixed(1)}" fill="${last ? (m.anomaly ? '#cf1322' : '#c0392b') : '#d9d9d9'}"/>`;
  }).join('');
}

const title = (name: string, s: ReportSummary) =>
  `${name} · ${s.period === 'week' ? '周报' : '月报'} ${s.startsOn} – ${s.endsOn}`;

export function renderReportHtml(name: string, s: ReportSummary): string {
  const cards = s.metrics.map((m) => `
    <div class="card${m.anomaly ? ' anomaly' : ''}">
      <div class="name">${esc(m.name.zh)} <span class="en">${esc(m.name.en)}</span></div>
      <div class="value">${esc(shown(m, m.value))}</div>
      <div class="change">${esc(change(m))} <span class="exp">预期 ${esc(shown(m, m.expected))}</span></div>
      <svg width="220" height="48" viewBox="0 0 220 48">${bars(m, 0, 0, 220, 48)}</svg>
      <p>${esc(m.sentence.zh)}</p>
    </div>`).join('');
  const anomalies = s.anomalies.length
    ? `<ul>${s.anomalies.map((a) => `<li>${esc(a.zh)}<br><span class="en">${esc(a.en)}</span></li>`).join('')}</ul>`
    : '<p>本期各项指标均在正常范围内。No metric is unusual this period.</p>';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title(name, s))}</title>
<style>body{font-family:${FONT};margin:32px;color:#262626}h1{font-size:22px}h2{font-size:17px;margin-top:28px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:16px}.card{border:1px solid #f0f0f0;border-radius:8px;padding:14px}
.card.anomaly{border-color:#ff7875;background:#fff1f0}.name{color:#8c8c8c;font-size:13px}.value{font-size:26px;font-weight:600;margin:4px 0}
.change{font-size:13px}.exp,.en{color:#8c8c8c;font-size:12px}p{font-size:13px;line-height:1.5}li{margin-bottom:10px;line-height:1.5}</style></head>
<body><h1>${esc(title(name, s))}</h1><p class="en">时区 ${esc(s.timezone)}；预期为该指标自身历史的中位数（有一年历史时按去年同期走势调整）。</p>
<h2>异常与解读 Anomalies</h2>${anomalies}<h2>核心指标 Key metrics</h2><div class="grid">${cards}</div></body></html>`;
}

export function renderReportSvg(name: string, s: ReportSummary): string {
  const cols = 4;
  const cardW = 280;
  const cardH = 150;
  const gap = 16;
  const top = 90 + Math.max(1, s.anomalies.length) * 26;
  const rows = Math.ceil(s.metrics.length / cols);
  const width = cols * cardW + (cols + 1) * gap;
  const height = top + rows * (cardH + gap) + gap;
  const cards = s.metrics.map((m, i) => {
    const x = gap + (i % cols) * (cardW + gap);
    const y = top + Math.floor(i / cols) * (cardH + gap);
    return `<g><rect x="${x}" y="${y}" width="${cardW}" height="${cardH}" rx="8" fill="${m.anomaly ? '#fff1f0' : '#ffffff'}" stroke="${m.anomaly ? '#ff7875' : '#f0f0f0'}"/>
      <text x="${x + 14}" y="${y + 24}" font-size="13" fill="#8c8c8c">${esc(m.name.zh)}</text>
      <text x="${x + 14}" y="${y + 56}" font-size="26" font-weight="600" fill="#262626">${esc(shown(m, m.value))}</text>
      <text x="${x + 14}" y="${y + 78}" font-size="13" fill="${m.anomaly ? '#cf1322' : '#595959'}">${esc(change(m))} 预期 ${esc(shown(m, m.expected))}</text>
      ${bars(m, x + 14, y + 90, cardW - 28, 46)}</g>`;
  }).join('');
  const lines = (s.anomalies.length ? s.anomalies.map((a) => a.zh) : ['本期各项指标均在正常范围内。'])
    .map((t, i) => `<text x="${gap}" y="${80 + i * 26}" font-size="14" fill="${s.anomalies.length ? '#cf1322' : '#389e0d'}">• ${esc(t)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">
<rect width="100%" height="100%" fill="#fafafa"/>
<text x="${gap}" y="40" font-size="22" font-weight="600" fill="#262626">${esc(title(name, s))}</text>${lines}${cards}</svg>`;
}
