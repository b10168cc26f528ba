// The article's Koa app, as a reference to run next to the workshop's Python steps.
//
// The workshop ports a Koa article to Python. This file is the other side of that
// port: the article's own app.js (koa-session, then ioredis and shortid), written
// so that a learner can run it beside step 1 or step 2 and paste cookies across.
// tests/lesson/test_koa_interop.py proves that the two stacks read each other's sessions.
//
//   SESSION_STORE=cookie (default)  the article's first design: the whole session
//                                   in the cookie (what step 1 does)
//   SESSION_STORE=redis             the article's second design: an id in the
//                                   cookie, the session in Redis (what step 2 does)
//   SESSION_SIGNED=1                koa-session's signed mode: needs SESSION_KEYS
//                                   (comma-separated; the first key signs)
//   PORT (default 4000) and REDIS_URL (default redis://127.0.0.1:6379/0): the
//   same variables as the Python steps.
//
// Like the article, it checks nothing about the form: it is here to show the
// session, not to be a hardened server (the Python steps are the careful ones).

const fs = require('fs');
const path = require('path');
const Koa = require('koa');
const Router = require('koa-router');
const bodyParser = require('koa-bodyparser');
const session = require('koa-session');
const shortid = require('shortid');
const RedisStore = require('./store');

const PORT = Number(process.env.PORT || 4000);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379/0';
const STORE = process.env.SESSION_STORE || 'cookie';
const SIGNED = process.env.SESSION_SIGNED === '1';
// The page that both Python steps serve, so the three apps look the same.
const LOGIN_PAGE = path.join(__dirname, '..', 'shared', 'login.html');

if (STORE !== 'cookie' && STORE !== 'redis') {
  console.error(`SESSION_STORE must be "cookie" or "redis", not "${STORE}"`);
  process.exit(2);
}

const app = new Koa();

const sessionConfig = {
  // The article's 'koa:sess' is not a valid cookie name (RFC 6265 forbids ':'),
  // and koa-session 6 itself defaults to 'koa.sess'. The Python steps' name lets
  // a cookie be pasted from one app into the other.
  key: 'bottle.sess',
  // One day, in milliseconds. koa-session writes it into the session as
  // _expire (now + maxAge) and _maxAge, and step 1 checks the same _expire.
  maxAge: 86400000,
  // The article's choice. Signed mode adds a second cookie, bottle.sess.sig.
  signed: SIGNED,
  // Script on the page cannot read the cookie, and a POST from another site does
  // not carry it.
  httpOnly: true,
  sameSite: 'lax',
};

if (SIGNED) {
  // koa-session signs with app.keys (through keygrip). Without keys it would throw
  // on the first request; failing at start is clearer.
  const keys = (process.env.SESSION_KEYS || '').split(',').filter(Boolean);
  if (keys.length === 0) {
    console.error('SESSION_SIGNED=1 needs SESSION_KEYS (comma-separated; the first key signs)');
    process.exit(2);
  }
  app.keys = keys;
}

if (STORE === 'redis') {
  // The article's two extra options: where the session lives, and how its id is made.
  sessionConfig.store = new RedisStore(REDIS_URL);
  // shortid, as in the article: 7 to 14 characters such as 'jrswsw'. Step 2 uses
  // 22-character shortuuids instead, and so refuses these ids (see README.md).
  sessionConfig.genid = () => shortid.generate();
}

app.use(session(sessionConfig, app));
// The page sends a URL-encoded form, and that is all this app reads.
app.use(bodyParser({ enableTypes: ['form'] }));

const router = new Router();

router.get('/', async (ctx) => {
  // Read on every request, like the article's readFileSync, so that an edit to
  // the page shows on reload.
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = fs.readFileSync(LOGIN_PAGE);
});

router.post('/login', async (ctx) => {
  const { usr, psd } = ctx.request.body;
  const postData = { usr, psd };
  ctx.type = 'text/plain; charset=utf-8';
  // The article's logic, word for word: a session with a user is a welcome,
  // anything else is a first login that stores the whole form (password too).
  if (ctx.session.usr) {
    ctx.body = `欢迎，${ctx.session.usr}`;
  } else {
    ctx.session = postData;
    ctx.body = '您第一次登录系统';
  }
});

router.post('/logout', async (ctx) => {
  // null tells koa-session to expire the cookie, and with a store, to destroy
  // SESSION:<id> too.
  ctx.session = null;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = '已退出登录 (logged out)';
});

app.use(router.routes());
app.use(router.allowedMethods());

// Only this machine can connect, as with the Python steps.
const server = app.listen(PORT, '127.0.0.1', () => {
  const where = STORE === 'redis' ? `redis store at ${REDIS_URL}` : 'cookie store';
  const how = SIGNED ? ', signed' : '';
  // The tests wait for this line.
  console.log(`Koa reference (${where}${how}): open http://localhost:${PORT}/`);
});
// One line instead of a stack trace when, say, a Python step already has the port.
server.on('error', (err) => {
  console.error(`Cannot listen on 127.0.0.1:${PORT}: ${err.code}. Stop the other server, or pick another PORT.`);
  process.exit(1);
});
