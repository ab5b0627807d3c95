// ECharts in React: one chart instance per element, resized with its container. Every chart can be downloaded as
// a PNG image and as CSV (its categories and series, or its name/value pairs, or its flows), spreadsheet-safe.
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts';

/** A cell that a spreadsheet would run as a formula is prefixed so it stays text. */
const safe = (v: unknown) => {
  const s = v == null ? '' : String(v);
  const t = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

/** The chart's data as CSV rows, from its option: category axis × series, pie slices, or Sankey links. */
export function csvOf(option: echarts.EChartsOption): string[][] {
  const series = (Array.isArray(option.series) ? option.series : option.series ? [option.series] : []) as any[];
  if (series.some((s) => s.type === 'sankey')) {
    const links = series.find((s) => s.type === 'sankey').links ?? [];
    return [['source', 'target', 'value'], ...links.map((l: any) => [l.source, l.target, l.value])];
  }
  if (series.some((s) => s.type === 'pie')) return [['name', 'value'], ...series[0].data.map((d: any) => [d.name, d.value])];
  const axes = [option.xAxis, option.yAxis].flat().filter(Boolean) as any[];
  const category = axes.find((a) => a.type === 'category' && Array.isArray(a.data));
  const labels: unknown[] = category?.data ?? series[0]?.data?.map((_: unknown, i: number) => i) ?? [];
  const value = (d: any) => (d && typeof d === 'object' && 'value' in d ? d.value : Array.isArray(d) ? d[d.length - 1] : d);
  return [[category?.name ?? '', ...series.map((s) => s.name ?? '')], ...labels.map((l, i) => [l, ...series.map((s) => value(s.data?.[i]))])];
}

function download(name: string, href: string) {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
}

export function Chart({ option, height = 300, testId, name = 'chart' }: { option: echarts.EChartsOption; height?: number; testId?: string; name?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    chart.current = echarts.init(ref.current!);
    const onResize = () => chart.current?.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  const png = () => download(`${name}.png`, chart.current!.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' }));
  const csv = () => {
    const text = `\ufeff${csvOf(option).map((r) => r.map(safe).join(',')).join('\r\n')}`;
    download(`${name}.csv`, URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' })));
  };
  const btn = { border: '1px solid #d9d9d9', background: '#fff', borderRadius: 4, fontSize: 11, padding: '0 6px', cursor: 'pointer', color: '#595959' };
  return (
    <div style={{ position: 'relative' }}>
      <div style={{ position: 'absolute', right: 0, top: 0, zIndex: 2, display: 'flex', gap: 4 }}>
        <button type="button" style={btn} onClick={png} data-testid={testId ? `${testId}-png` : undefined} title="PNG">PNG</button>
        <button type="button" style={btn} onClick={csv} data-testid={testId ? `${testId}-csv` : undefined} title="CSV">CSV</button>
      </div>
      <div ref={ref} style={{ width: '100%', height }} data-testid={testId} />
    </div>
  );
}
