/*
 * counter_script.c - the Lua scripts of the counters, run with EVALSHA
 * (loaded again on NOSCRIPT): the count of a message with its limits,
 * dedupe, warning marks and bounce record, all in one script and one
 * round trip; and the reset of a sender's count.
 */
#include <string.h>

#include "redis/counter_int.h"

/*
 * KEYS: sender key, domain key; when deduplicating (a dedupe window not
 * "0") the Message-ID key; when recording (a record window not "0") the
 * record key; then, per quota_warn threshold, its sender mark and its
 * domain mark. ARGV: amount, sender limit, domain limit (-1 = none),
 * expiry (unix time), dedupe window (ms), the message's fingerprint
 * (hex), retries forgiven per counted message, the number of thresholds
 * (nw; may be absent: 0), the nw percentages, then the record window (ms;
 * absent: "0"), the queue id and the recipients. Returns {1, s, d, w}
 * when counted, {0, s, d} when a limit would be passed (nothing counted
 * or recorded), {2, s, d} for a retry (nothing counted; recorded).
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
	"local rw = ARGV[9 + nw] or '0'\n"
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
	"local function record()\n"
	"  if rw ~= '0' then\n"
	"    local nl = string.char(10)\n"
	"    redis.call('LPUSH', KEYS[rk], redis.call('TIME')[1] .. nl ..\n"
	"      table.concat(ARGV, nl, 10 + nw))\n"
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
	"      return {2, s, d}\n"
	"    end\n"
	"  end\n"
	"end\n"
	"if (sl >= 0 and s + n > sl) or (dl >= 0 and d + n > dl) then\n"
	"  return {0, s, d}\n"
	"end\n"
	"s = redis.call('INCRBY', KEYS[1], n)\n"
	"d = redis.call('INCRBY', KEYS[2], n)\n"
	"redis.call('EXPIREAT', KEYS[1], ARGV[4])\n"
	"redis.call('EXPIREAT', KEYS[2], ARGV[4])\n"
	"if ARGV[5] ~= '0' then\n"
	"  redis.call('SET', KEYS[3], ARGV[6] .. ' 0', 'PX', ARGV[5])\n"
	"end\n"
	"record()\n"
	"local w, bit = 0, 1\n"
	"for i = 1, nw do\n"
	"  local p = tonumber(ARGV[8 + i])\n"
	"  if sl > 0 and s * 100 >= p * sl and redis.call('SET',\n"
	"      KEYS[wk], '1', 'NX', 'EXAT', ARGV[4]) then\n"
	"    w = w + bit\n"
	"  end\n"
	"  if dl > 0 and d * 100 >= p * dl and redis.call('SET',\n"
	"      KEYS[wk + 1], '1', 'NX', 'EXAT', ARGV[4]) then\n"
	"    w = w + bit * 2\n"
	"  end\n"
	"  wk = wk + 2\n"
	"  bit = bit * 4\n"
	"end\n"
	"return {1, s, d, w}\n";

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
