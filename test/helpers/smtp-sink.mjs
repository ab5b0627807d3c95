// A real SMTP server process for email tests (nodemailer's smtp-server): accepts every message on the given port
// with AUTH PLAIN/LOGIN for one user, and writes each raw MIME message to the given folder. Prints "ready" when listening.
import fs from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

const [port, dir, user, pass] = process.argv.slice(2);
let n = 0;
const server = new SMTPServer({
  authOptional: false,
  allowInsecureAuth: true,
  disabledCommands: ['STARTTLS'],
  onAuth(auth, _session, cb) {
    if (auth.username === user && auth.password === pass) cb(null, { user });
    else cb(new Error('bad credentials'));
  },
  onData(stream, _session, cb) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      fs.writeFileSync(path.join(dir, `${Date.now()}-${++n}.eml`), Buffer.concat(chunks));
      cb();
    });
  },
});
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
