import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StadionError } from '../../../engine/errors.ts';
import {
  LineSplitter,
  formatCommand,
  parseHostPort,
  parseReadyLine,
  parseReply,
  parseTopicCreated,
  parseTopicList,
} from '../../../stack/broker/protocol.ts';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof StadionError ? error.code : 'not a StadionError';
  }
  return undefined;
}

describe('formatCommand', () => {
  it('joins the command and its arguments with spaces and ends the line', () => {
    expect(formatCommand('ping')).toBe('ping\n');
    expect(formatCommand('create_topic', ['events.v1', 6])).toBe('create_topic events.v1 6\n');
    expect(formatCommand('push_errors', [0, -195, 'NOT_LEADER_FOR_PARTITION'])).toBe(
      'push_errors 0 -195 NOT_LEADER_FOR_PARTITION\n',
    );
  });

  it('refuses arguments the line protocol cannot carry', () => {
    expect(codeOf(() => formatCommand('create_topic', ['two words', 1]))).toBe('BROKER_CONTROL');
    expect(codeOf(() => formatCommand('create_topic', ['line\nbreak', 1]))).toBe('BROKER_CONTROL');
    expect(codeOf(() => formatCommand('create_topic', ['', 1]))).toBe('BROKER_CONTROL');
    expect(codeOf(() => formatCommand('broker_rtt', [1, 2.5]))).toBe('BROKER_CONTROL');
    expect(codeOf(() => formatCommand('broker_rtt', [1, Number.NaN]))).toBe('BROKER_CONTROL');
    expect(codeOf(() => formatCommand('x', ['a'.repeat(70_000)]))).toBe('BROKER_CONTROL');
  });

  it('round-trips any legal words through a whitespace split', () => {
    const word = fc.stringMatching(/^[a-zA-Z0-9._:-]{1,40}$/);
    fc.assert(
      fc.property(word, fc.array(fc.oneof(word, fc.integer()), { maxLength: 10 }), (command, args) => {
        const line = formatCommand(command, args);
        expect(line.endsWith('\n')).toBe(true);
        expect(line.slice(0, -1).split(' ')).toEqual([command, ...args.map(String)]);
      }),
    );
  });
});

describe('parseReply', () => {
  it('reads ok with and without a JSON payload', () => {
    expect(parseReply('ok')).toEqual({ ok: true, payload: undefined });
    expect(parseReply('ok [{"name":"a","partitions":2}]')).toEqual({
      ok: true,
      payload: [{ name: 'a', partitions: 2 }],
    });
    expect(parseReply('ok {"created":true}\r')).toEqual({ ok: true, payload: { created: true } });
  });

  it('reads err with its message', () => {
    expect(parseReply('err topic a exists with 3 partitions, not 4')).toEqual({
      ok: false,
      message: 'topic a exists with 3 partitions, not 4',
    });
    expect(parseReply('err')).toEqual({ ok: false, message: '(no message)' });
  });

  it('refuses anything else', () => {
    expect(codeOf(() => parseReply('okay'))).toBe('BROKER_CONTROL');
    expect(codeOf(() => parseReply(''))).toBe('BROKER_CONTROL');
    expect(codeOf(() => parseReply('ok {not json'))).toBe('BROKER_CONTROL');
  });
});

describe('LineSplitter', () => {
  it('returns complete lines and keeps the tail', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('ok\nerr x')).toEqual(['ok']);
    expect(splitter.pending).toBe('err x');
    expect(splitter.push('yz\n\nok')).toEqual(['err xyz', '']);
    expect(splitter.pending).toBe('ok');
  });

  it('gives the same lines however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z {}":,[\]0-9]{0,20}$/), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (lines, cuts) => {
          const text = lines.map((line) => `${line}\n`).join('');
          const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
          const splitter = new LineSplitter();
          const seen: string[] = [];
          let from = 0;
          for (const point of [...points, text.length]) {
            seen.push(...splitter.push(text.slice(from, point)));
            from = point;
          }
          expect(seen).toEqual(lines);
          expect(splitter.pending).toBe('');
        },
      ),
    );
  });
});

describe('parseReadyLine', () => {
  const line =
    '{"bootstrap":"127.0.0.1:40001,127.0.0.1:40002,127.0.0.1:40003","control":"127.0.0.1:39000",' +
    '"brokers":[1,2,3],"librdkafka":"2.0.2","patched":true}';

  it('reads what the launcher prints', () => {
    expect(parseReadyLine(line)).toEqual({
      bootstrap: '127.0.0.1:40001,127.0.0.1:40002,127.0.0.1:40003',
      control: '127.0.0.1:39000',
      brokers: [1, 2, 3],
      librdkafka: '2.0.2',
      patched: true,
    });
  });

  it('refuses anything else with BROKER_LAUNCHER', () => {
    expect(codeOf(() => parseReadyLine('mock-broker: something'))).toBe('BROKER_LAUNCHER');
    expect(codeOf(() => parseReadyLine('[]'))).toBe('BROKER_LAUNCHER');
    expect(codeOf(() => parseReadyLine(line.replace('"patched":true', '"patched":"yes"')))).toBe(
      'BROKER_LAUNCHER',
    );
    expect(codeOf(() => parseReadyLine(line.replace('127.0.0.1:40001,', '127.0.0.1:40001,,')))).toBe(
      'BROKER_LAUNCHER',
    );
    expect(codeOf(() => parseReadyLine(line.replace('[1,2,3]', '[1,"2"]')))).toBe('BROKER_LAUNCHER');
  });
});

describe('reply payloads', () => {
  it('narrows topics and create_topic replies', () => {
    expect(parseTopicList([{ name: 'a', partitions: 3 }])).toEqual([{ name: 'a', partitions: 3 }]);
    expect(parseTopicCreated({ name: 'a', partitions: 3, created: false })).toEqual({
      name: 'a',
      partitions: 3,
      created: false,
    });
    expect(codeOf(() => parseTopicList({}))).toBe('BROKER_CONTROL');
    expect(codeOf(() => parseTopicList([{ name: 'a' }]))).toBe('BROKER_CONTROL');
    expect(codeOf(() => parseTopicCreated({ name: 'a', partitions: 3 }))).toBe('BROKER_CONTROL');
  });
});

describe('parseHostPort', () => {
  it('splits host and port', () => {
    expect(parseHostPort('127.0.0.1:39121')).toEqual({ host: '127.0.0.1', port: 39121 });
    expect(parseHostPort(' localhost:1 ')).toEqual({ host: 'localhost', port: 1 });
  });

  it('refuses malformed addresses', () => {
    for (const address of ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', ':80', 'a b:1', '']) {
      expect(
        codeOf(() => parseHostPort(address)),
        address,
      ).toBe('BROKER_CONTROL');
    }
  });
});
