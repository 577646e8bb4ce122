/*
 * counter_script.c - the Lua scripts of the counters, run with EVALSHA
 * (loaded again on NOSCRIPT): the count of a message with its limits,
 * dedupe, warning marks and bounce record, all in one script and one
 * round trip; and the reset of a sender's count.
 */
#include <limits.h>
#include <string.h>

#include "redis/counter_int.h"

/*
 * KEYS: sender key, domain key; when deduplicating (a dedupe window not
 * "0") the Message-ID key; when recording (a record window not "0") the
 * record key; then, per quota_warn threshold, its sender mark and its
 * domain mark; then, when suspensions are checked, the sender's and the
 * domain's suspension keys; when the reputation counts, the sender's and
 * the domain's reputation hashes; then one key per sending rate window.
 * ARGV: amount, sender limit, domain limit (-1 = none), expiry (unix
 * time), dedupe window (ms), the message's fingerprint (hex), retries
 * forgiven per counted message, the number of thresholds (nw), the nw
 * percentages; then (at p = 9 + nw) "1" when suspensions are checked,
 * the reputation's day ("0": not counted), the reputation hashes' life
 * (ms), the window in days, the recipients accepted, the number of
 * rate windows (nr) and for each its N and its T (ms); then the record
 * window (ms; "0": none), the queue id and the recipients. Returns one
 * string, the numbers in decimal separated by one space (ctr_count_parse
 * reads it): "1 s d w" when counted, "0 s d" when a limit would be
 * passed, "3 s d i" when rate window i would (nothing counted or
 * recorded in either), "4 s d reason" when suspended (the reason is the
 * rest, as stored), "2 s d" for a retry (nothing counted; recorded).
 * One string, not an array: hiredis makes one object of it, not five.
 *
 * Warnings: a counted message that leaves a count at or past a
 * threshold's percentage of its limit sets that threshold's mark with
 * SET NX (expiring with the counters); only the message that set it
 * has the threshold's bit in w (bit 2i for the sender's i-th threshold,
 * 2i+1 for the domain's). So each threshold warns once a month, across
 * all the nodes that share the Redis.
 *
 * The Message-ID key holds "FINGERPRINT RETRIES" of the last message
 * counted under that Message-ID. A message is a retry only if its
 * fingerprint is that one and fewer than ARGV[7] retries were forgiven;
 * anything else is counted (and, when it is, becomes the key's message
 * with no retries). A value of another form (a key from an older
 * version) is simply a message of another fingerprint.
 *
 * Rates: each window's sorted set loses the members older than T (by
 * the server's clock, in ms) and is full when its count and the amount
 * pass N; a counted message adds one member per unit, "<ms>:<domain
 * count>:<j>" (unique: the domain's count grows with every message of
 * its senders), once per key (two windows of one T share it).
 *
 * Reputation: a counted message adds its recipients to field "r:<day>"
 * of both hashes; the day's first also drops the fields of days out of
 * the window.
 *
 * The record (counter.h): the server's time, the queue id and the
 * recipients joined by newlines (string.char(10): the text has no escape
 * but the line ends), pushed on the record key's list, which is cut to
 * SG_RECORD_MESSAGES (8) entries and expires after the record window.
 */
const char ctr_count_script[] =
	"local n = tonumber(ARGV[1])\n"
	"local sl = tonumber(ARGV[2])\n"
	"local dl = tonumber(ARGV[3])\n"
	"local nw = tonumber(ARGV[8] or '0')\n"
	"local p = 9 + nw\n"
	"local nr = tonumber(ARGV[p + 5] or '0')\n"
	"local q = p + 6 + 2 * nr\n"
	"local rw = ARGV[q] or '0'\n"
	"local s = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
	"local d = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
	"if s == nil or d == nil then\n"
	"  return redis.error_reply('sendergate: counter is not a number')\n"
	"end\n"
	"local wk = 3\n"
	"if ARGV[5] ~= '0' then\n"
	"  wk = 4\n"
	"end\n"
	"local rk = wk\n"
	"if rw ~= '0' then\n"
	"  wk = wk + 1\n"
	"end\n"
	"local xk = wk + 2 * nw\n"
	"if ARGV[p] == '1' then\n"
	"  local v = redis.call('GET', KEYS[xk]) or\n"
	"    redis.call('GET', KEYS[xk + 1])\n"
	"  if v then\n"
	"    return string.format('4 %d %d ', s, d) .. v\n"
	"  end\n"
	"  xk = xk + 2\n"
	"end\n"
	"local pk = xk\n"
	"if ARGV[p + 1] ~= '0' then\n"
	"  xk = xk + 2\n"
	"end\n"
	"local function record()\n"
	"  if rw ~= '0' then\n"
	"    local nl = string.char(10)\n"
	"    redis.call('LPUSH', KEYS[rk], redis.call('TIME')[1] .. nl ..\n"
	"      table.concat(ARGV, nl, q + 1))\n"
	"    redis.call('LTRIM', KEYS[rk], 0, 7)\n"
	"    redis.call('PEXPIRE', KEYS[rk], rw)\n"
	"  end\n"
	"end\n"
	"if ARGV[5] ~= '0' then\n"
	"  local v = redis.call('GET', KEYS[3])\n"
	"  if v then\n"
	"    local f, r = string.match(v, '^(%x+) (%d+)$')\n"
	"    if f == ARGV[6] and tonumber(r) < tonumber(ARGV[7]) then\n"
	"      redis.call('SET', KEYS[3], f .. ' ' .. (tonumber(r) + 1),\n"
	"        'KEEPTTL')\n"
	"      record()\n"
	"      return string.format('2 %d %d', s, d)\n"
	"    end\n"
	"  end\n"
	"end\n"
	"if (sl >= 0 and s + n > sl) or (dl >= 0 and d + n > dl) then\n"
	"  return string.format('0 %d %d', s, d)\n"
	"end\n"
	"local now = 0\n"
	"if nr > 0 then\n"
	"  local t = redis.call('TIME')\n"
	"  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"  for i = 1, nr do\n"
	"    local k = KEYS[xk + i - 1]\n"
	"    redis.call('ZREMRANGEBYSCORE', k, '-inf',\n"
	"      '(' .. (now - tonumber(ARGV[p + 5 + 2 * i])))\n"
	"    if redis.call('ZCARD', k) + n > tonumber(ARGV[p + 4 + 2 * i])\n"
	"        then\n"
	"      return string.format('3 %d %d %d', s, d, i)\n"
	"    end\n"
	"  end\n"
	"end\n"
	"s = redis.call('INCRBY', KEYS[1], n)\n"
	"d = redis.call('INCRBY', KEYS[2], n)\n"
	"redis.call('EXPIREAT', KEYS[1], ARGV[4])\n"
	"redis.call('EXPIREAT', KEYS[2], ARGV[4])\n"
	"if ARGV[5] ~= '0' then\n"
	"  redis.call('SET', KEYS[3], ARGV[6] .. ' 0', 'PX', ARGV[5])\n"
	"end\n"
	"record()\n"
	"local seen = {}\n"
	"for i = 1, nr do\n"
	"  local k = KEYS[xk + i - 1]\n"
	"  if not seen[k] then\n"
	"    seen[k] = true\n"
	"    local m = {}\n"
	"    for j = 1, n do\n"
	"      m[#m + 1] = now\n"
	"      m[#m + 1] = now .. ':' .. d .. ':' .. j\n"
	"      if #m >= 1000 then\n"
	"        redis.call('ZADD', k, unpack(m))\n"
	"        m = {}\n"
	"      end\n"
	"    end\n"
	"    if #m > 0 then\n"
	"      redis.call('ZADD', k, unpack(m))\n"
	"    end\n"
	"    redis.call('PEXPIRE', k, ARGV[p + 5 + 2 * i])\n"
	"  end\n"
	"end\n"
	"local rc = tonumber(ARGV[p + 4] or '0')\n"
	"if ARGV[p + 1] ~= '0' and rc > 0 then\n"
	"  local day = tonumber(ARGV[p + 1])\n"
	"  for k = pk, pk + 1 do\n"
	"    if redis.call('HINCRBY', KEYS[k], 'r:' .. day, rc) == rc then\n"
	"      local old = day - tonumber(ARGV[p + 3])\n"
	"      for _, f in ipairs(redis.call('HKEYS', KEYS[k])) do\n"
	"        local fd = tonumber(string.match(f, '^%a:(%d+)$') or '')\n"
	"        if fd and fd <= old then\n"
	"          redis.call('HDEL', KEYS[k], f)\n"
	"        end\n"
	"      end\n"
	"    end\n"
	"    redis.call('PEXPIRE', KEYS[k], ARGV[p + 2])\n"
	"  end\n"
	"end\n"
	"local w, bit = 0, 1\n"
	"for i = 1, nw do\n"
	"  local pc = tonumber(ARGV[8 + i])\n"
	"  if sl > 0 and s * 100 >= pc * sl and redis.call('SET',\n"
	"      KEYS[wk], '1', 'NX', 'EXAT', ARGV[4]) then\n"
	"    w = w + bit\n"
	"  end\n"
	"  if dl > 0 and d * 100 >= pc * dl and redis.call('SET',\n"
	"      KEYS[wk + 1], '1', 'NX', 'EXAT', ARGV[4]) then\n"
	"    w = w + bit * 2\n"
	"  end\n"
	"  wk = wk + 2\n"
	"  bit = bit * 4\n"
	"end\n"
	"return string.format('1 %d %d %d', s, d, w)\n";

/*
 * KEYS: a sender's key and its domain's key. The sender's count goes to
 * 0 and is taken off the domain's, so that the domain's count stays the
 * sum of what its senders sent. Returns the sender's count before.
 */
const char ctr_reset_script[] =
	"local s = tonumber(redis.call('GET', KEYS[1]) or '0') or 0\n"
	"local d = tonumber(redis.call('GET', KEYS[2]) or '0') or 0\n"
	"redis.call('DEL', KEYS[1])\n"
	"if d > 0 and s > 0 then\n"
	"  redis.call('DECRBY', KEYS[2], math.min(s, d))\n"
	"end\n"
	"return s\n";

/*
 * The read at MAIL FROM when sending rates apply. KEYS: sender key,
 * domain key, the two suspension keys, then one key per window; ARGV:
 * each window's T (ms). Returns {s, d, sender suspension or "", domain
 * suspension or "", then per window the members of the last T} (by the
 * server's clock, as the counting script trims).
 */
const char ctr_read_script[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local out = {redis.call('GET', KEYS[1]) or '0',\n"
	"  redis.call('GET', KEYS[2]) or '0',\n"
	"  redis.call('GET', KEYS[3]) or '', redis.call('GET', KEYS[4]) or ''}\n"
	"for i = 5, #KEYS do\n"
	"  out[#out + 1] = redis.call('ZCOUNT', KEYS[i],\n"
	"    now - tonumber(ARGV[i - 4]), '+inf')\n"
	"end\n"
	"return out\n";

/* Hex SHA-1 of a script. */
void
ctr_script_sha(const char *script, char out[2 * SHA_DIGEST_LENGTH + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[SHA_DIGEST_LENGTH];
	size_t		 i;

	SHA1((const unsigned char *)script, strlen(script), md);
	for (i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * i] = '\0';
}

/*
 * A decimal at p (before end), optionally negative, into *out: the end
 * of its digits, or NULL when there is none or it does not fit.
 */
static const char *
parse_num(const char *p, const char *end, long long *out)
{
	unsigned long long u = 0, max = LLONG_MAX;
	int		 neg = 0;
	const char	*start;

	if (p < end && *p == '-') {
		neg = 1;
		max = (unsigned long long)LLONG_MAX + 1;
		p++;
	}
	for (start = p; p < end && *p >= '0' && *p <= '9'; p++) {
		if (u > (max - (unsigned long long)(*p - '0')) / 10)
			return NULL;
		u = u * 10 + (unsigned long long)(*p - '0');
	}
	if (p == start)
		return NULL;
	*out = neg ? (long long)(0ULL - u) : (long long)u;
	return p;
}

/* The counting script's answer "V S D[ X]" into *a; 0, or -1. */
int
ctr_count_parse(const char *s, size_t len, struct ctr_answer *a)
{
	const char	*p = s, *end = s + len;
	long long	 n[3];
	int		 i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < 3; i++) {
		if ((p = parse_num(p, end, &n[i])) == NULL)
			return -1;
		if (i > 0 && (n[i] < LONG_MIN || n[i] > LONG_MAX))
			return -1;
		if (p == end)
			break;
		if (*p++ != ' ')
			return -1;
	}
	if (i < 2)
		return -1;		/* fewer than three numbers */
	a->v = n[0];
	a->s = (long)n[1];
	a->d = (long)n[2];
	if (i == 3) {			/* a space after D: the fourth */
		a->rest = p;
		a->restlen = (size_t)(end - p);
		a->has_x = (p = parse_num(p, end, &a->x)) != NULL && p == end;
	}
	return 0;
}
