import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { api } from '../api.ts';
import { useLang, useT } from '../i18n/index.tsx';

export function LoginPage({ onLoggedIn }: { onLoggedIn(): void }) {
  const t = useT();
  const { lang, setLang } = useLang();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (v: { email: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/v1/auth/login', v);
      onLoggedIn();
    } catch (e: any) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ display: 'flex', justifyContent: 'center', paddingTop: 120, background: '#faf7f5', minHeight: '100vh' }}>
      <Card style={{ width: 380, height: 'fit-content' }} extra={<Button size="small" type="link" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>{t('language')}</Button>} title={<Typography.Title level={3} style={{ margin: 0, color: '#c0392b' }}>{t('appName')}</Typography.Title>}>
        {error && <Alert type="error" message={`${t('loginFailed')}: ${error}`} style={{ marginBottom: 16 }} data-testid="login-error" />}
        <Form layout="vertical" onFinish={submit}>
          <Form.Item name="email" label={t('email')} rules={[{ required: true, type: 'email' }]}>
            <Input data-testid="login-email" autoComplete="username" />
          </Form.Item>
          <Form.Item name="password" label={t('password')} rules={[{ required: true }]}>
            <Input.Password data-testid="login-password" autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">{t('login')}</Button>
        </Form>
      </Card>
    </div>
  );
}
