// Express beside step 2, for measurements/session_costs.py: node express_app.mjs PORT MODE [REDIS_URL]
//
//   baseline      the same three routes, no session: the framework's own cost
//   session       express-session with connect-redis, express-session's defaults
//   session-lean  the same, with resave: false and saveUninitialized: false
//
// The routes do what the workshop's do: a live session is welcomed by name,
// anything else is a first login that stores usr and login_at; logout destroys it.
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';

const [port, mode, redisUrl] = process.argv.slice(2);
const app = express();
app.use(express.urlencoded({ extended: false }));

if (mode !== 'baseline') {
  const client = createClient({ url: redisUrl });
  await client.connect();
  const lean = mode === 'session-lean';
  app.use(session({
    store: new RedisStore({ client, prefix: 'SESSION:' }),
    secret: 'a-peer-benchmark-secret-of-32-chars',
    // express-session's defaults, written out: they are what the comparison is about.
    resave: !lean,
    saveUninitialized: !lean,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 86400000 },
  }));
}

app.get('/', (req, res) => res.type('text/html').send('<!doctype html><title>登录</title>'));

app.post('/login', (req, res) => {
  res.type('text/plain; charset=utf-8');
  if (mode === 'baseline') return res.send('您第一次登录系统');
  if (req.session.usr) return res.send(`欢迎，${req.session.usr}`);
  req.session.regenerate(() => {
    req.session.usr = req.body.usr;
    req.session.login_at = new Date().toISOString();
    res.send('您第一次登录系统');
  });
});

app.post('/logout', (req, res) => {
  res.type('text/plain; charset=utf-8');
  if (mode === 'baseline' || !req.session) return res.send('已退出登录 (logged out)');
  req.session.destroy(() => res.send('已退出登录 (logged out)'));
});

app.listen(Number(port), '127.0.0.1', () => console.log(`Express (${mode}): open http://127.0.0.1:${port}/`));
