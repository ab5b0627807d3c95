// A definition change recomputes everyone in the background; on a large base the save answers before it finishes.
// This follows the job and says what it is doing, then tells the page to reload.
import { useEffect, useState } from 'react';
import { Alert, Progress } from 'antd';
import { api } from '../api.ts';
import { useLang } from '../i18n/index.tsx';

export interface RecomputeJob {
  id: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  stage: string;
  done: number;
  total: number;
  changes: number;
  error?: string;
}

const STAGES: Record<string, [string, string]> = {
  waiting: ['排队中', 'waiting'], traits: ['计算特征', 'computing traits'], rules: ['评估标签与分群', 'evaluating tags and segments'],
  saving: ['保存进出记录', 'saving entries and exits'], finished: ['完成', 'finished'],
};

export function RecomputeProgress({ job, onDone }: { job: RecomputeJob | null; onDone(): void }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const [state, setState] = useState<RecomputeJob | null>(job);
  useEffect(() => {
    setState(job);
    if (!job || job.status === 'done' || job.status === 'failed') return;
    const timer = setInterval(async () => {
      const j = await api('GET', `/v1/recomputes/${job.id}`).catch(() => null);
      if (!j) return;
      setState(j);
      if (j.status === 'done' || j.status === 'failed') {
        clearInterval(timer);
        if (j.status === 'done') onDone();
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [job?.id]);
  if (!state || state.status === 'done') return null;
  if (state.status === 'failed') return <Alert type="error" message={zh ? `重新计算失败：${state.error}` : `Recompute failed: ${state.error}`} />;
  const [stageZh, stageEn] = STAGES[state.stage] ?? [state.stage, state.stage];
  return (
    <Alert type="info" data-testid="recompute-progress" style={{ marginBottom: 12 }}
      message={zh ? `正在为全部客户重新计算（${stageZh}）…保存已生效，人数稍后更新。` : `Recomputing for everyone (${stageEn})… the change is saved; counts follow shortly.`}
      description={state.total > 0 ? <Progress percent={Math.floor((state.done / state.total) * 100)} size="small" /> : null} />
  );
}
