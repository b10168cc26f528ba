// A bare Koa, the same routes with no session, for measurements/session_costs.py: node koa_baseline.mjs PORT
// (koa_reference/app.js is Koa with koa-session, the article's stack.)
import Koa from 'koa';
import Router from 'koa-router';
import bodyParser from 'koa-bodyparser';

const app = new Koa();
const router = new Router();
app.use(bodyParser({ enableTypes: ['form'] }));
router.get('/', (ctx) => { ctx.type = 'text/html'; ctx.body = '<!doctype html><title>登录</title>'; });
router.post('/login', (ctx) => { ctx.type = 'text/plain; charset=utf-8'; ctx.body = '您第一次登录系统'; });
router.post('/logout', (ctx) => { ctx.type = 'text/plain; charset=utf-8'; ctx.body = '已退出登录 (logged out)'; });
app.use(router.routes());
const port = Number(process.argv[2]);
app.listen(port, '127.0.0.1', () => console.log(`Koa (baseline): open http://127.0.0.1:${port}/`));
