// Prometheus text exposition for a handful of counters and gauges; enough for /metrics without another dependency.
export class Metrics {
  private counters = new Map<string, number>();
  private help = new Map<string, string>();

  inc(name: string, help: string, by = 1, labels: Record<string, string> = {}) {
    this.help.set(name, help);
    const key = labels && Object.keys(labels).length ? `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}` : name;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, help] of this.help) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [key, v] of this.counters) if (key === name || key.startsWith(`${name}{`)) lines.push(`${key} ${v}`);
    }
    const mem = process.memoryUsage();
    lines.push('# HELP process_resident_memory_bytes Resident memory size in bytes.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`);
    return `${lines.join('\n')}\n`;
  }
}
