// The article's store.js: koa-session's external store, kept in Redis with ioredis.
//
// koa-session asks a store for three things, and this class gives them over the
// same keys as the workshop's step 2 (step2_redis_session/store.py):
//
//   SESSION:<id>  ->  JSON of the session, with a time to live (EX seconds)
//
// One change from the article, in the constructor: see the comment there.

const Redis = require('ioredis');

const KEY_PREFIX = 'SESSION:';

class RedisStore {
  // `redis` is what ioredis understands: a URL such as 'redis://127.0.0.1:6379/0',
  // or a flat options object such as { port: 6379, host: '127.0.0.1' }.
  //
  // The article writes new Redis({ redis: { port, host, password } }). ioredis has
  // no option named `redis` and ignores it without a word, so that client always
  // goes to its default, localhost:6379: the article's code works only because its
  // Redis is there, and silently talks to the wrong Redis (or none) once you change
  // the port, the host or the password. tests/lesson/test_koa_interop.py shows it.
  constructor(redis) {
    this.redis = new Redis(redis);
  }

  // The session stored under the id, or null when there is none. koa-session
  // treats null as "no session" and starts a new one.
  async get(key) {
    const data = await this.redis.get(KEY_PREFIX + key);
    if (data === null) return null;
    try {
      return JSON.parse(data);
    } catch (err) {
      return null; // a corrupt entry is no session, rather than a 500
    }
  }

  // koa-session passes maxAge in milliseconds (its own maxAge plus 10 s, so that
  // the stored session outlives the cookie). Redis wants whole seconds for EX and
  // refuses a fraction: hence the rounding, which the article's maxAge / 1000 lacks.
  async set(key, sess, maxAge) {
    await this.redis.set(KEY_PREFIX + key, JSON.stringify(sess), 'EX', Math.ceil(maxAge / 1000));
  }

  // Logout: every copy of the cookie is dead once the key is gone.
  async destroy(key) {
    await this.redis.del(KEY_PREFIX + key);
  }
}

module.exports = RedisStore;
