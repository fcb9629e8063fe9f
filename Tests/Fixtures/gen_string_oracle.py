#!/usr/bin/env python3
"""Builds the strings/bitmap oracle transcript: random and hand-picked commands run against a
real redis-server 7.0.15, recorded as `args => reply` lines with %XX escapes.
Directives (lines starting with '!') are run by the replay harness in-process:
  !flush            FLUSHALL
  !wrongtype KEY    make KEY hold a non-string (redis: DEL + RPUSH)
  !encoding KEY     reply: OBJECT ENCODING of KEY (or $-1 when missing)
  !resp3 / !resp2   switch the protocol

Usage (against a scratch redis-server 7.0.15 on PORT; it is FLUSHALLed):
  gen_string_oracle.py PORT SEED random N      > strings_random.transcript   (seed 7, N 2500)
  gen_string_oracle.py PORT SEED focused N     > strings_focused.transcript  (seed 21, N 2000)
  gen_string_oracle.py PORT 1 CASES.txt        > strings_cases.transcript
where CASES.txt is strings_cases.txt, then a `!resp3` line, the same cases again, `!resp2`.
Relative expire times are long (>= 100 s) and absolute ones far past or far future, so the
replies do not depend on when the recording or the replay runs.
"""
import random, socket, sys

def esc(b):
    out = []
    for x in b:
        if 0x21 <= x <= 0x7e and x != 0x25: out.append(chr(x))
        else: out.append('%%%02X' % x)
    return ''.join(out)

class R:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port)); self.f = self.s.makefile('rb')
    def send(self, args):
        out = b'*%d\r\n' % len(args)
        for a in args: out += b'$%d\r\n%s\r\n' % (len(a), a)
        self.s.sendall(out); return self.read()
    def read(self):
        line = self.f.readline(); t = line[:1]; out = line
        if t in b'$=':
            n = int(line[1:-2])
            if n >= 0: out += self.f.read(n + 2)
        elif t in b'*%~>':
            n = int(line[1:-2]) * (2 if t == b'%' else 1)
            for _ in range(max(n, 0)): out += self.read()
        return out

def B(x): return x if isinstance(x, bytes) else str(x).encode('latin1')

rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
r = R(int(sys.argv[1]))
lines = []

def run(*args):
    args = [B(a) for a in args]
    reply = r.send(args)
    lines.append(' '.join(esc(a) for a in args) + ' => ' + esc(reply))

def directive(name, key=None):
    if name == 'flush': r.send([b'FLUSHALL']); lines.append('!flush'); return
    if name == 'resp3': r.send([b'HELLO', b'3']); lines.append('!resp3'); return
    if name == 'resp2': r.send([b'HELLO', b'2']); lines.append('!resp2'); return
    key = B(key)
    if name == 'wrongtype':
        r.send([b'DEL', key]); r.send([b'RPUSH', key, b'x']); lines.append('!wrongtype ' + esc(key)); return
    if name == 'encoding':
        rep = r.send([b'OBJECT', b'ENCODING', key])
        if rep.startswith(b'-') or rep == b'_\r\n': rep = b'$-1\r\n'
        lines.append('!encoding ' + esc(key) + ' => ' + esc(rep)); return

KEYS = ['k1', 'k2', 'k3', 'n1', 'b1', 'L']
INTS = ['0', '1', '-1', '7', '123', '-45', '9223372036854775807', '-9223372036854775808',
        '9223372036854775806', '9223372036854775808', '007', '-0', '+1', ' 5', '1.5', '12e3', '10000000000']
FLOATS = ['0.1', '-0.1', '1.5', '-0.0', '0', '3', '1e308', '-1e308', '1e400', 'inf', '-inf', 'nan', '3.0e3',
          '0x1p3', '1e-20', '.5', '5.', ' 1', '1 ', '', 'abc', '12345678901234567890123', '0.000000000000000001',
          '1.7976931348623157e308', '2.5e-3', '100000000000000000000']
def rstr():
    k = rnd.randrange(9)
    if k == 0: return ''
    if k == 1: return rnd.choice(['a', 'hello', 'foobar', 'ohmytext', 'mynewtext'])
    if k == 2: return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 6)))
    if k == 3: return 'x' * rnd.choice([21, 22, 23, 44, 45, 46])
    if k == 4: return ''.join(rnd.choice('ab') for _ in range(rnd.randrange(1, 70)))
    if k == 5: return bytes(rnd.choice([0, 255, 0x0f, 0xf0, 0x55]) for _ in range(rnd.randrange(1, 40)))
    return rnd.choice(INTS)
def rkey(): return rnd.choice(KEYS)
def ridx(): return rnd.choice(['0', '1', '-1', '2', '-2', '5', '-5', '10', '-100', '100', '3', '7', '8', '15', '16', '-9',
                               '9223372036854775807', '-9223372036854775808', 'x', '23', '31', '-17'])
def roff(): return rnd.choice(['0', '1', '7', '8', '9', '15', '16', '31', '33', '63', '64', '100', '200', '-1', 'x', '4294967296'])
def rexp():
    return rnd.choice([['EX', rnd.choice(['100', '1000', '0', '-1', 'x', '9223372036854775'])],
                       ['PX', rnd.choice(['100000', '0', '9223372036854775807'])],
                       ['EXAT', rnd.choice(['1', '5000000000', '0', '9223372036854775'])],
                       ['PXAT', rnd.choice(['1', '5000000000000', '-5', '9223372036854775807'])],
                       ['KEEPTTL'], ['PERSIST'], ['EX'], ['NX'], ['XX'], ['GET'], ['FOO']])
def rtype():
    return rnd.choice(['u1', 'u3', 'u8', 'u16', 'u63', 'u64', 'i1', 'i5', 'i8', 'i16', 'i32', 'i64', 'i65', 'u0', 'x8', 'I8'])

def random_command():
    c = rnd.randrange(40)
    k = rkey()
    if c < 3: run('SET', k, rstr(), *sum((rexp() for _ in range(rnd.randrange(3))), []))
    elif c < 4: run('GET', k)
    elif c < 5: run(rnd.choice(['SETNX', 'GETSET']), k, rstr())
    elif c < 6: run(rnd.choice(['SETEX', 'PSETEX']), k, rnd.choice(['0', '-1', 'x', '100000', '9223372036854775']), rstr())
    elif c < 7: run('GETDEL', k)
    elif c < 8: run('GETEX', k, *sum((rexp() for _ in range(rnd.randrange(3))), []))
    elif c < 9: run('MGET', *[rkey() for _ in range(rnd.randrange(1, 4))])
    elif c < 10: run(rnd.choice(['MSET', 'MSETNX']), *sum(([rkey(), rstr()] for _ in range(rnd.randrange(1, 3))), []), *([rkey()] if rnd.random() < 0.1 else []))
    elif c < 12: run('APPEND', k, rstr())
    elif c < 13: run('STRLEN', k)
    elif c < 16: run(rnd.choice(['INCR', 'DECR']), k) if rnd.random() < 0.4 else run(rnd.choice(['INCRBY', 'DECRBY']), k, rnd.choice(INTS))
    elif c < 18: run('INCRBYFLOAT', k, rnd.choice(FLOATS))
    elif c < 20: run(rnd.choice(['GETRANGE', 'SUBSTR']), k, ridx(), ridx())
    elif c < 22: run('SETRANGE', k, rnd.choice(['0', '1', '3', '10', '50', '-1', 'x', '536870912']), rstr())
    elif c < 23:
        opts = rnd.sample(['LEN', 'IDX', 'WITHMATCHLEN', 'MINMATCHLEN', 'FOO'], rnd.randrange(3))
        args = []
        for o in opts:
            args.append(o)
            if o == 'MINMATCHLEN' and rnd.random() < 0.9: args.append(rnd.choice(['0', '1', '2', '4', '-3', 'x']))
        run('LCS', k, rkey(), *args)
    elif c < 25: run('SETBIT', k, roff(), rnd.choice(['0', '1', '1', '2', '-1', 'x']))
    elif c < 26: run('GETBIT', k, roff())
    elif c < 29:
        n = rnd.choice([0, 2, 2, 3, 1, 4])
        args = [ridx(), ridx()] if n >= 2 else ([ridx()] if n == 1 else [])
        if n == 3: args.append(rnd.choice(['BIT', 'BYTE', 'bit', 'FOO']))
        if n == 4: args += ['BIT', 'x']
        run('BITCOUNT', k, *args)
    elif c < 32:
        n = rnd.choice([0, 1, 2, 3, 3, 4])
        args = [ridx() for _ in range(min(n, 2))]
        if n == 3: args.append(rnd.choice(['BIT', 'BYTE', 'FOO']))
        if n == 4: args = ['BIT']
        run('BITPOS', k, rnd.choice(['0', '1', '1', '0', '2', 'x']), *args)
    elif c < 34:
        op = rnd.choice(['AND', 'OR', 'XOR', 'NOT', 'not', 'FOO'])
        run('BITOP', op, rkey(), *[rkey() for _ in range(1 if op.lower() == 'not' and rnd.random() < 0.8 else rnd.randrange(1, 4))])
    elif c < 38:
        args = []
        for _ in range(rnd.randrange(0, 5)):
            o = rnd.choice(['GET', 'GET', 'SET', 'INCRBY', 'OVERFLOW'])
            if o == 'OVERFLOW':
                args += ['OVERFLOW', rnd.choice(['WRAP', 'SAT', 'FAIL', 'fail', 'BAD'])]
            else:
                off = roff() if rnd.random() < 0.7 else '#' + rnd.choice(['0', '1', '3', '-1', 'x'])
                args += [o, rtype(), off]
                if o != 'GET': args.append(rnd.choice(['0', '1', '-1', '100', '-100', '300', '255', '9223372036854775807', '-9223372036854775808', 'x']))
        if rnd.random() < 0.05: args.append('BOGUS')
        run(rnd.choice(['BITFIELD', 'BITFIELD', 'BITFIELD_RO']), k, *args)
    elif c < 39: directive('encoding', k)
    else:
        if rnd.random() < 0.3: directive('flush')
        elif rnd.random() < 0.5: directive('wrongtype', k)
        else: run('GET', k)

def seed_keys():
    directive('flush')
    directive('wrongtype', 'L')

def focused_command():
    """Range arithmetic of BITCOUNT/BITPOS/GETRANGE, BITFIELD widths and LCS on random data."""
    c = rnd.randrange(10)
    k = rnd.choice(['a', 'b'])
    def idx(): return str(rnd.randrange(-40, 40))
    if c < 2:
        run('SET', k, bytes(rnd.choice([0, 255, rnd.randrange(256)]) for _ in range(rnd.randrange(0, 12))))
    elif c < 4:
        run('BITPOS', k, rnd.choice(['0', '1']), *([idx(), idx(), rnd.choice(['BIT', 'BYTE'])][:rnd.choice([0, 1, 2, 3, 3, 3])]))
    elif c < 5:
        run('BITCOUNT', k, *([idx(), idx(), rnd.choice(['BIT', 'BYTE'])][:rnd.choice([0, 2, 3, 3])]))
    elif c < 6:
        run('GETRANGE', k, idx(), idx())
    elif c < 8:
        args = []
        for _ in range(rnd.randrange(1, 5)):
            o = rnd.choice(['GET', 'SET', 'INCRBY', 'OVERFLOW'])
            if o == 'OVERFLOW': args += ['OVERFLOW', rnd.choice(['WRAP', 'SAT', 'FAIL'])]; continue
            t = rnd.choice('iu') + str(rnd.randrange(1, 64) if rnd.random() < 0.8 else rnd.choice([63, 64]))
            if t == 'u64': t = 'u63'
            args += [o, t, str(rnd.randrange(0, 100))]
            if o != 'GET':
                args.append(str(rnd.choice([rnd.randrange(-300, 300), rnd.randrange(-2**63, 2**63), 2**63 - 1, -2**63, rnd.randrange(-2**40, 2**40)])))
        run('BITFIELD', k, *args)
    elif c < 9:
        run('SET', k, ''.join(rnd.choice('abcd') for _ in range(rnd.randrange(0, 25))))
    else:
        opts = rnd.choice([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', str(rnd.randrange(0, 4))],
                           ['IDX', 'MINMATCHLEN', '2', 'WITHMATCHLEN']])
        run('LCS', 'a', 'b', *opts)

mode = sys.argv[3] if len(sys.argv) > 3 else 'random'
if mode == 'focused':
    directive('flush')
    for i in range(int(sys.argv[4]) if len(sys.argv) > 4 else 2000):
        focused_command()
        if i == 1000: directive('resp3')
    directive('resp2')
elif mode == 'random':
    seed_keys()
    for i in range(int(sys.argv[4]) if len(sys.argv) > 4 else 2000):
        random_command()
        if i == 1000: directive('resp3')
    directive('resp2')
else:
    # hand-picked cases from a file: one command per line, shell-split with \x escapes
    import shlex
    for line in open(mode):
        line = line.rstrip('\n')
        if not line or line.startswith('#'): continue
        if line.startswith('!'):
            parts = line[1:].split(); directive(parts[0], parts[1] if len(parts) > 1 else None); continue
        args = [a.encode('latin1').decode('unicode_escape').encode('latin1') for a in shlex.split(line)]
        run(*args)
print('\n'.join(lines))
