// The programme's main settings as a form: earn rate, expiry, negative-balance policy, caps, hold time, and the tier
// ladder. Saved as a new version; a refusal shows each field's reason under it.
import { useState } from 'react';
import { Alert, App, Button, Card, Form, InputNumber, Select, Space, Switch, Table, Typography } from 'antd';
import { api } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { fieldErrors } from './LoyaltyPage.tsx';

export function ProgrammeCard({ program, canEdit, onSaved }: { program: any; canEdit: boolean; onSaved(): void }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [draft, setDraft] = useState<any>(() => structuredClone(program));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const set = (fn: (d: any) => void) => setDraft((d: any) => { const c = structuredClone(d); fn(c); return c; });
  const err = (f: string) => (errors[f] ? { validateStatus: 'error' as const, help: errors[f] } : {});

  const save = async () => {
    setSaving(true);
    setErrors({});
    try {
      const { version: _v, configured: _c, ...body } = draft;
      await api('PUT', '/v1/loyalty/program', body);
      message.success(zh ? '已保存，新规则立即生效' : 'Saved; the new rules apply now');
      onSaved();
    } catch (e: any) {
      const fields = fieldErrors(e);
      setErrors(fields);
      message.error(Object.keys(fields).length ? (zh ? '未保存：请按标红的提示修改' : 'Not saved: fix the fields marked in red') : e.message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card title={zh ? '积分与等级规则' : 'Points and tiers'} extra={canEdit && <Button type="primary" loading={saving} onClick={save} data-testid="save-programme">{zh ? '保存' : 'Save'}</Button>}>
      {!program.configured && <Alert type="info" showIcon style={{ marginBottom: 16 }} message={zh ? '积分计划尚未启用：检查下面的默认规则并保存，之后的新订单开始累积积分（历史订单不追溯）。' : 'The programme is not set up: check the defaults below and save; orders from then on earn points (history does not).'} />}
      <Form layout="vertical" disabled={!canEdit}>
        <Space wrap size={24}>
          <Form.Item label={zh ? '启用' : 'Enabled'}><Switch checked={draft.enabled} onChange={(v) => set((d) => { d.enabled = v; })} /></Form.Item>
          <Form.Item label={zh ? '每消费1元积分' : 'Points per yuan'} {...err('earn.perYuan')}><InputNumber min={0} max={100} value={draft.earn.perYuan} onChange={(v) => set((d) => { d.earn.perYuan = v; })} data-testid="per-yuan" /></Form.Item>
          <Form.Item label={zh ? '每日上限（0=不限）' : 'Daily cap (0 = none)'} {...err('dailyCap')}><InputNumber min={0} value={draft.dailyCap} onChange={(v) => set((d) => { d.dailyCap = v; })} /></Form.Item>
          <Form.Item label={zh ? '有效期' : 'Expiry'} {...err('expiry.days')}>
            <Space>
              <Select style={{ width: 180 }} value={draft.expiry.kind} onChange={(k) => set((d) => { d.expiry = k === 'days' ? { kind: 'days', days: 365 } : { kind: k }; })} options={[
                { value: 'end_of_following_year', label: zh ? '次年年底清零' : 'End of following year' },
                { value: 'days', label: zh ? '获得后N天' : 'N days after earning' },
                { value: 'never', label: zh ? '永不过期' : 'Never' },
              ]} />
              {draft.expiry.kind === 'days' && <InputNumber min={1} value={draft.expiry.days} onChange={(v) => set((d) => { d.expiry.days = v; })} />}
            </Space>
          </Form.Item>
          <Form.Item label={zh ? '退款时积分不足' : 'Refund beyond balance'}>
            <Select style={{ width: 200 }} value={draft.negativeBalance} onChange={(v) => set((d) => { d.negativeBalance = v; })} options={[
              { value: 'allow', label: zh ? '允许负积分（后续抵扣）' : 'Allow a debt' }, { value: 'forgive', label: zh ? '扣完为止' : 'Forgive the rest' },
            ]} />
          </Form.Item>
          <Form.Item label={zh ? '冻结时长（分钟）' : 'Hold minutes'} {...err('holdMinutes')}><InputNumber min={1} value={draft.holdMinutes} onChange={(v) => set((d) => { d.holdMinutes = v; })} /></Form.Item>
        </Space>
        <Typography.Title level={5}>{zh ? '会员等级（成长值 = 每元消费 × 成长系数 + 行为）' : 'Tiers (growth = spend × rate + actions)'}</Typography.Title>
        <Space wrap size={24}>
          <Form.Item label={zh ? '每元成长值' : 'Growth per yuan'}><InputNumber min={0} value={draft.tiers.growth.perYuan} onChange={(v) => set((d) => { d.tiers.growth.perYuan = v; })} /></Form.Item>
          <Form.Item label={zh ? '保级周期（天）' : 'Period (days)'} {...err('tiers.periodDays')}><InputNumber min={30} value={draft.tiers.periodDays} onChange={(v) => set((d) => { d.tiers.periodDays = v; })} /></Form.Item>
          <Form.Item label={zh ? '降级前提醒（天）' : 'Warn days before review'}><InputNumber min={0} value={draft.tiers.warnDays} onChange={(v) => set((d) => { d.tiers.warnDays = v; })} /></Form.Item>
        </Space>
        <Table size="small" rowKey="key" pagination={false} dataSource={draft.tiers.levels} data-testid="tier-table" columns={[
          { title: zh ? '等级' : 'Tier', dataIndex: 'name' },
          { title: zh ? '升级门槛（成长值）' : 'Threshold', render: (_: unknown, l: any, i: number) => (
            <Form.Item style={{ margin: 0 }} {...err(`tiers.levels.${i}.threshold`)}>
              <InputNumber min={0} value={l.threshold} disabled={!canEdit || i === 0} onChange={(v) => set((d) => { d.tiers.levels[i].threshold = v; })} data-testid={`threshold-${l.key}`} />
            </Form.Item>) },
          { title: zh ? '折扣' : 'Discount', render: (_: unknown, l: any) => `${l.benefits.discount}%` },
          { title: zh ? '积分倍数' : 'Points ×', render: (_: unknown, l: any) => `×${l.benefits.pointsMultiplier}` },
          { title: zh ? '包邮' : 'Free shipping', render: (_: unknown, l: any) => (l.benefits.freeShipping ? '✓' : '—') },
          { title: zh ? '生日礼' : 'Birthday gift', render: (_: unknown, l: any) => l.benefits.birthdayGift ?? '—' },
        ]} />
      </Form>
    </Card>
  );
}
