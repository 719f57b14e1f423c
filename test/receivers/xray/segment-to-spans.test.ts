import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hexToU64, traceIdToHex, u64ToHex, xrayToW3c } from '../../../src/model/ids.js';
import { Attr } from '../../../src/model/semconv.js';
import { SpanBatch } from '../../../src/model/span-batch.js';
import { parseDatagram, parseDocument, validateSegment } from '../../../src/receivers/xray/datagram.js';
import type { SegmentDocument } from '../../../src/receivers/xray/segment-document.js';
import { appendSegment, renderStack, secondsToNs } from '../../../src/receivers/xray/segment-to-spans.js';
import { batchToSpans, captureFiles, countEntities, loadCapture, readCapture, RUNS } from './helpers.js';

const attr = (b: SpanBatch, row: number, key: string) => b.getAttr(row, key);
const rowOf = (b: SpanBatch, id: string) => {
  for (let r = 0; r < b.length; r++) if (u64ToHex(b.spanId[r]!) === id) return r;
  throw new Error(`no row ${id}`);
};

describe('every capture maps', () => {
  for (const run of RUNS) {
    for (const f of captureFiles(run)) {
      test(f, () => {
        const { batch: b, doc, raw } = loadCapture(f);
        assert.equal(b.length, countEntities(doc));
        assert.equal(b.xrayDoc[0], raw);
        const w3c = xrayToW3c(doc.trace_id!);
        for (let r = 0; r < b.length; r++) {
          assert.equal(traceIdToHex(b.traceHi[r]!, b.traceLo[r]!), w3c);
          assert.equal(b.source[r], 1);
          assert.equal(u64ToHex(b.xrayDocId[r]!), doc.id);
          if (r > 0) {
            assert.equal(b.xrayDoc[r], null);
            assert.equal(b.dataset[r], b.dataset[0]);
          }
          assert.ok(b.durationNs[r]! >= 0n);
        }
        assert.equal(u64ToHex(b.spanId[0]!), doc.id);
        assert.equal(b.startNs[0], secondsToNs(doc.start_time));
        assert.equal(b.startNs[0]! + b.durationNs[0]!, secondsToNs(doc.end_time!));
        if (doc.type === 'subsegment') {
          assert.equal(b.dataset[0], '');
          assert.equal(u64ToHex(b.parentId[0]!), doc.parent_id);
          assert.equal(attr(b, 0, Attr.XRAY_TYPE), 'subsegment');
        } else {
          assert.equal(b.dataset[0], 'backend-flask');
          assert.equal(b.kind[0], 2);
          assert.equal(attr(b, 0, Attr.XRAY_TYPE), 'segment');
          assert.equal(b.parentId[0], doc.parent_id ? hexToU64(doc.parent_id) : 0n);
        }
      });
    }
  }
});

describe('xray_run1/udp_001.raw: segment, db subsegment, remote http subsegment', () => {
  const { batch: b } = loadCapture('xray_run1/udp_001.raw');
  test('segment row', () => {
    assert.equal(b.length, 3);
    assert.equal(u64ToHex(b.spanId[0]!), 'f169a273ff681648');
    assert.equal(traceIdToHex(b.traceHi[0]!, b.traceLo[0]!), '6b04f5ef07ca17f08b2bc5660e4ecb2d');
    assert.equal(b.parentId[0], 0n);
    // The operation: method and path of the request it served; the segment name is the dataset.
    assert.equal(b.name[0], 'GET /api/activities/home');
    assert.equal(b.dataset[0], 'backend-flask');
    assert.equal(b.kind[0], 2);
    assert.equal(b.statusCode[0], 0);
    assert.equal(b.startNs[0], 1795487215165000000n);
    assert.equal(b.durationNs[0], 19000000n);
    assert.equal(attr(b, 0, Attr.SERVICE_NAME), 'backend-flask');
    assert.equal(attr(b, 0, Attr.SERVICE_VERSION), 'unknown');
    assert.equal(attr(b, 0, 'xray.service.runtime'), 'node');
    assert.equal(attr(b, 0, 'xray.service.runtime_version'), 'v20.20.2');
    assert.equal(attr(b, 0, 'xray.service.name'), 'unknown');
    assert.equal(attr(b, 0, Attr.TELEMETRY_SDK_NAME), 'X-Ray for Node.js');
    assert.equal(attr(b, 0, Attr.TELEMETRY_SDK_VERSION), '3.12.0');
    assert.equal(attr(b, 0, 'aws.xray.package'), 'aws-xray-sdk-core');
    assert.equal(attr(b, 0, Attr.CLOUD_PROVIDER), 'aws');
    assert.equal(attr(b, 0, Attr.HTTP_METHOD), 'GET');
    assert.equal(attr(b, 0, Attr.HTTP_URL), 'http://127.0.0.1:2200/api/activities/home');
    assert.equal(attr(b, 0, Attr.HTTP_USER_AGENT), '');
    assert.equal(attr(b, 0, Attr.HTTP_CLIENT_IP), '127.0.0.1');
    assert.equal(attr(b, 0, Attr.HTTP_STATUS), 200);
    assert.equal(b.attrs.get(Attr.HTTP_STATUS)!.type, 'int');
    assert.equal(attr(b, 0, Attr.XRAY_FAULT), undefined);
    assert.equal(attr(b, 0, Attr.XRAY_ERROR), undefined);
    assert.ok(b.resourceKeys.has(Attr.SERVICE_NAME));
    assert.ok(b.resourceKeys.has(Attr.TELEMETRY_SDK_NAME));
  });
  test("the seed's annotation user_id and the metadata", () => {
    assert.equal(attr(b, 0, 'user_id'), 'u-123');
    assert.equal(b.attrs.get('user_id')!.type, 'string');
    assert.equal(attr(b, 0, Attr.XRAY_ANNOTATION_KEYS), '["user_id"]');
    assert.equal(attr(b, 0, 'metadata.default.debug'), '{"foo":"bar"}');
  });
  test('db-query subsegment: INTERNAL, int annotation', () => {
    const r = rowOf(b, 'aaba567fd2449b14');
    assert.equal(b.name[r], 'db-query');
    assert.equal(b.kind[r], 1);
    assert.equal(u64ToHex(b.parentId[r]!), 'f169a273ff681648');
    assert.equal(b.dataset[r], 'backend-flask');
    assert.equal(b.startNs[r], 1795487215168000000n);
    assert.equal(b.durationNs[r], 6000000n);
    assert.equal(attr(b, r, 'rows'), 3);
    assert.equal(b.attrs.get('rows')!.type, 'int');
    assert.equal(attr(b, r, Attr.XRAY_ANNOTATION_KEYS), '["rows"]');
    assert.equal(attr(b, r, Attr.XRAY_TYPE), 'subsegment');
    assert.equal(attr(b, r, Attr.SERVICE_NAME), 'backend-flask');
    assert.equal(attr(b, r, 'user_id'), undefined);
    assert.equal(attr(b, r, Attr.HTTP_URL), undefined);
  });
  test('remote http subsegment: CLIENT with its http attributes', () => {
    const r = rowOf(b, '91db0142fa14185b');
    assert.equal(b.name[r], '127.0.0.1');
    assert.equal(b.kind[r], 3);
    assert.equal(u64ToHex(b.parentId[r]!), 'f169a273ff681648');
    assert.equal(attr(b, r, Attr.XRAY_NAMESPACE), 'remote');
    assert.equal(attr(b, r, Attr.HTTP_METHOD), 'GET');
    assert.equal(attr(b, r, Attr.HTTP_URL), 'http://127.0.0.1/downstream');
    assert.equal(attr(b, r, Attr.HTTP_STATUS), 200);
    assert.equal(attr(b, r, Attr.HTTP_RESPONSE_SIZE), 4);
    assert.equal(b.startNs[r], 1795487215174000000n);
    assert.equal(b.durationNs[r], 8000000n);
  });
});

test('xray_run1/udp_002.raw: parent_id of the upstream caller', () => {
  const { batch: b } = loadCapture('xray_run1/udp_002.raw');
  assert.equal(u64ToHex(b.parentId[0]!), '53995c3f42cd8ad8');
  assert.equal(traceIdToHex(b.traceHi[0]!, b.traceLo[0]!), '5759e988bd862e3fe1be46a994272793');
});

describe('xray_run1/udp_003.raw: the 500 with a stack trace', () => {
  const { batch: b } = loadCapture('xray_run1/udp_003.raw');
  test('fault, status, attributes', () => {
    assert.equal(b.length, 1);
    assert.equal(u64ToHex(b.spanId[0]!), '8b48fd087ef50032');
    assert.equal(attr(b, 0, Attr.XRAY_FAULT), true);
    assert.equal(b.attrs.get(Attr.XRAY_FAULT)!.type, 'bool');
    assert.equal(attr(b, 0, Attr.XRAY_ERROR), undefined);
    assert.equal(attr(b, 0, Attr.XRAY_THROTTLE), undefined);
    assert.equal(b.statusCode[0], 2);
    assert.equal(b.statusMessage[0], 'boom');
    assert.equal(attr(b, 0, Attr.HTTP_STATUS), 500);
    assert.equal(attr(b, 0, Attr.HTTP_URL), 'http://127.0.0.1:2200/api/error');
    assert.equal(attr(b, 0, Attr.EXCEPTION_TYPE), 'Error');
    assert.equal(attr(b, 0, Attr.EXCEPTION_MESSAGE), 'boom');
    assert.equal(attr(b, 0, 'aws.xray.rule_name'), 'Cruddur');
    assert.equal(attr(b, 0, 'xray.cause.working_directory'), '/srv/demo1/xray');
    assert.equal(attr(b, 0, Attr.XRAY_ANNOTATION_KEYS), undefined);
  });
  test('exception event with the stack', () => {
    const events = b.events[0]!;
    assert.equal(events.length, 1);
    const ev = events[0]!;
    assert.equal(ev.name, 'exception');
    assert.equal(ev.timeUnixNano, '1795487215201000000');
    assert.equal(ev.attributes[Attr.EXCEPTION_TYPE], 'Error');
    assert.equal(ev.attributes[Attr.EXCEPTION_MESSAGE], 'boom');
    assert.equal(ev.attributes['exception.id'], '54c79e78c230a5a3');
    assert.equal(ev.attributes['xray.exception.remote'], false);
    const lines = String(ev.attributes[Attr.EXCEPTION_STACKTRACE]).split('\n');
    assert.equal(lines.length, 10);
    assert.equal(lines[0], 'at anonymous (/srv/demo1/xray/app.cjs:17)');
    assert.equal(lines[1], 'at Layer.handleRequest (/srv/demo1/xray/node_modules/router/lib/layer.js:169)');
    assert.equal(lines[9], 'at anonymous (/srv/demo1/xray/node_modules/aws-xray-sdk-express/lib/express_mw.js:43)');
  });
});

test('xray_run2_all_sampled/udp_004.raw: 120 inline subsegments -> 121 spans', () => {
  const { batch: b } = loadCapture('xray_run2_all_sampled/udp_004.raw');
  assert.equal(b.length, 121);
  assert.equal(b.name[0], 'GET /api/many');
  const seg = b.spanId[0]!;
  const names = new Set<string>();
  for (let r = 1; r < 121; r++) {
    assert.equal(b.parentId[r], seg);
    assert.equal(b.kind[r], 1);
    assert.equal(b.dataset[r], 'backend-flask');
    names.add(b.name[r]!);
  }
  for (let i = 0; i < 120; i++) assert.ok(names.has(`work-${i}`), `work-${i}`);
  assert.equal(new Set(Array.from(b.spanId.subarray(0, 121))).size, 121);
});

describe('xray_run3_streaming: independent subsegments', () => {
  test('db-query sent on its own (udp_001) and its segment (udp_002)', () => {
    const { batch: s } = loadCapture('xray_run3_streaming/udp_001.raw');
    assert.equal(s.length, 1);
    assert.equal(u64ToHex(s.spanId[0]!), '7a3b03c38d79b666');
    assert.equal(u64ToHex(s.parentId[0]!), '2a310ade926b9e0e');
    assert.equal(s.dataset[0], '');
    assert.equal(s.name[0], 'db-query');
    assert.equal(s.kind[0], 1);
    assert.equal(attr(s, 0, Attr.XRAY_TYPE), 'subsegment');
    assert.equal(attr(s, 0, 'rows'), 3);
    assert.equal(attr(s, 0, Attr.SERVICE_NAME), undefined);
    assert.equal(s.xrayDoc[0], readCapture('xray_run3_streaming/udp_001.raw').toString().split('\n')[1]);
    const { batch: g } = loadCapture('xray_run3_streaming/udp_002.raw');
    assert.equal(u64ToHex(g.spanId[0]!), '2a310ade926b9e0e');
    assert.equal(traceIdToHex(g.traceHi[0]!, g.traceLo[0]!), traceIdToHex(s.traceHi[0]!, s.traceLo[0]!));
  });
  test('the 120-subsegment request arrives as 119 independent documents + the segment: 121 spans', () => {
    const b = new SpanBatch();
    for (const f of captureFiles('xray_run3_streaming')) {
      const r = parseDatagram(readCapture(f));
      assert.ok(r.ok);
      if (r.doc.trace_id === '1-6b04f619-f7f1c8bfe29707c778d974bb') appendSegment(b, r.doc, r.raw);
    }
    assert.equal(b.length, 121);
    let independent = 0;
    for (let r = 0; r < b.length; r++) {
      if (u64ToHex(b.spanId[r]!) === '24aa84a0c076e11b') {
        assert.equal(b.parentId[r], 0n);
        continue;
      }
      assert.equal(u64ToHex(b.parentId[r]!), '24aa84a0c076e11b');
      if (b.xrayDoc[r] !== null) {
        independent++;
        assert.equal(b.dataset[r], '');
      } else assert.equal(b.dataset[r], 'backend-flask'); // work-119, inline
    }
    assert.equal(independent, 119);
  });
});

describe('synthetic documents: the rest of the mapping', () => {
  const doc: SegmentDocument = {
    name: ' checkout ',
    id: '1111111111111111',
    trace_id: '1-6b04f5ef-07ca17f08b2bc5660e4ecb2d',
    start_time: 1795487215.1234567,
    end_time: 1795487215.5,
    origin: 'AWS::EC2::Instance',
    user: 'alice',
    resource_arn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1',
    service: { version: '1.2.3' },
    http: { request: { method: 'POST', url: 'https://x/y', client_ip: '10.0.0.1', x_forwarded_for: true }, response: { status: 429 } },
    error: true,
    throttle: true,
    cause: '2222222222222222',
    annotations: { n: 1.5, flag: true, count: 7, s: 'v' },
    metadata: { default: { list: [1, 2], str: 'x', num: 3 }, custom: { obj: { a: 1 } }, flat: 'scalar' as unknown as Record<string, unknown> },
    aws: {
      account_id: '123456789012',
      ec2: { instance_id: 'i-1', instance_size: 't3.micro', ami_id: 'ami-1', availability_zone: 'us-east-1a' },
      ecs: { container: 'web', container_id: 'c1', container_arn: 'arn:ecs' },
      eks: { pod: 'pod-1', cluster_name: 'k1' },
      elastic_beanstalk: { environment_name: 'env', version_label: 'v1', deployment_id: 5 },
      xray: { sdk: 'X-Ray for Go', sdk_version: '1.8', auto_instrumentation: false },
      cloudwatch_logs: [{ log_group: 'g', arn: 'arn:logs' }],
    },
    subsegments: [
      {
        name: 'DynamoDB',
        id: '3333333333333333',
        start_time: 1795487215.2,
        end_time: 1795487215.3,
        namespace: 'aws',
        aws: { operation: 'GetItem', region: 'eu-west-1', request_id: 'req-1', table_name: 'users', retries: 1 },
        http: { response: { status: 200, content_length: 100 }, request: { traced: true } },
        precursor_ids: ['4444444444444444'],
        subsegments: [
          { name: 'inner', id: '5555555555555555', start_time: 1795487215.21, in_progress: true, fault: true, cause: { exceptions: [{ id: '6666666666666666', type: 'T', message: 'm1', stack: [{ path: 'a.go', line: 3 }, { label: 'fn' }] }, { id: '7777777777777777', message: 'm2', cause: '6666666666666666' }] } },
        ],
      },
      {
        name: 'db@host',
        id: '8888888888888888',
        start_time: 1795487215.3,
        end_time: 1795487215.29, // end before start: clamped
        namespace: 'remote',
        sql: { url: 'postgresql://host/db', connection_string: 'host=h', sanitized_query: 'SELECT 1', database_type: 'PostgreSQL', database_version: '15', driver_version: 'pg 8', user: 'app', preparation: 'statement', extra: 'e' },
      },
    ],
  };
  const b = new SpanBatch(1);
  assert.deepEqual(validateSegment(doc), []);
  appendSegment(b, doc, JSON.stringify(doc));

  test('segment-level fields', () => {
    assert.equal(b.length, 4);
    assert.equal(b.dataset[0], 'checkout');
    assert.equal(b.name[0], 'POST /y');
    assert.equal(b.startNs[0], 1795487215123457000n); // rounded to the microsecond
    assert.equal(b.durationNs[0], 376543000n);
    assert.equal(attr(b, 0, Attr.XRAY_ORIGIN), 'AWS::EC2::Instance');
    assert.equal(attr(b, 0, Attr.CLOUD_PLATFORM), 'aws_ec2');
    assert.equal(attr(b, 0, Attr.ENDUSER_ID), 'alice');
    assert.equal(attr(b, 0, Attr.XRAY_RESOURCE_ARN), doc.resource_arn);
    assert.equal(attr(b, 0, Attr.SERVICE_VERSION), '1.2.3');
    assert.equal(attr(b, 0, Attr.HTTP_X_FORWARDED_FOR), true);
    assert.equal(attr(b, 0, Attr.XRAY_ERROR), true);
    assert.equal(attr(b, 0, Attr.XRAY_THROTTLE), true);
    assert.equal(attr(b, 0, Attr.XRAY_FAULT), undefined);
    assert.equal(b.statusCode[0], 2);
    assert.equal(b.statusMessage[0], '');
    assert.equal(attr(b, 0, 'xray.cause_id'), '2222222222222222');
    assert.equal(b.events[0], null);
  });
  test('annotations and metadata', () => {
    assert.equal(attr(b, 0, 'n'), 1.5);
    assert.equal(b.attrs.get('n')!.type, 'double');
    assert.equal(attr(b, 0, 'flag'), true);
    assert.equal(b.attrs.get('flag')!.type, 'bool');
    assert.equal(attr(b, 0, 'count'), 7);
    assert.equal(b.attrs.get('count')!.type, 'int');
    assert.equal(attr(b, 0, 's'), 'v');
    assert.deepEqual(JSON.parse(String(attr(b, 0, Attr.XRAY_ANNOTATION_KEYS))), ['n', 'flag', 'count', 's']);
    assert.equal(attr(b, 0, 'metadata.default.list'), '[1,2]');
    assert.equal(attr(b, 0, 'metadata.default.str'), 'x');
    assert.equal(attr(b, 0, 'metadata.default.num'), 3);
    assert.equal(attr(b, 0, 'metadata.custom.obj'), '{"a":1}');
    assert.equal(attr(b, 0, 'metadata.flat'), 'scalar');
  });
  test('aws block', () => {
    assert.equal(attr(b, 0, Attr.CLOUD_PROVIDER), 'aws');
    assert.equal(attr(b, 0, Attr.CLOUD_ACCOUNT_ID), '123456789012');
    assert.equal(attr(b, 0, Attr.HOST_ID), 'i-1');
    assert.equal(attr(b, 0, Attr.HOST_TYPE), 't3.micro');
    assert.equal(attr(b, 0, Attr.HOST_IMAGE_ID), 'ami-1');
    assert.equal(attr(b, 0, Attr.CLOUD_AVAILABILITY_ZONE), 'us-east-1a');
    assert.equal(attr(b, 0, Attr.CONTAINER_NAME), 'web');
    assert.equal(attr(b, 0, Attr.CONTAINER_ID), 'c1');
    assert.equal(attr(b, 0, 'aws.ecs.container_arn'), 'arn:ecs');
    assert.equal(attr(b, 0, Attr.K8S_POD_NAME), 'pod-1');
    assert.equal(attr(b, 0, Attr.K8S_CLUSTER_NAME), 'k1');
    assert.equal(attr(b, 0, 'aws.elastic_beanstalk.environment_name'), 'env');
    assert.equal(attr(b, 0, 'aws.elastic_beanstalk.deployment_id'), 5);
    assert.equal(attr(b, 0, Attr.TELEMETRY_SDK_NAME), 'X-Ray for Go');
    assert.equal(attr(b, 0, 'aws.xray.auto_instrumentation'), false);
    assert.equal(attr(b, 0, 'aws.cloudwatch_logs'), '[{"log_group":"g","arn":"arn:logs"}]');
  });
  test('aws subsegment', () => {
    const r = rowOf(b, '3333333333333333');
    assert.equal(b.kind[r], 3);
    assert.equal(b.dataset[r], 'checkout');
    assert.equal(attr(b, r, Attr.XRAY_NAMESPACE), 'aws');
    assert.equal(attr(b, r, Attr.AWS_SERVICE), 'DynamoDB');
    assert.equal(attr(b, r, Attr.AWS_OPERATION), 'GetItem');
    assert.equal(attr(b, r, Attr.CLOUD_REGION), 'eu-west-1');
    assert.equal(attr(b, r, Attr.AWS_REQUEST_ID), 'req-1');
    assert.equal(attr(b, r, Attr.AWS_TABLE_NAME), 'users');
    assert.equal(attr(b, r, 'aws.retries'), 1);
    assert.equal(attr(b, r, Attr.HTTP_TRACED), true);
    assert.equal(attr(b, r, Attr.HTTP_RESPONSE_SIZE), 100);
    assert.equal(attr(b, r, Attr.XRAY_PRECURSOR_IDS), '["4444444444444444"]');
    assert.equal(attr(b, r, Attr.SERVICE_VERSION), '1.2.3');
  });
  test('nested in-progress subsegment with two exceptions', () => {
    const r = rowOf(b, '5555555555555555');
    assert.equal(u64ToHex(b.parentId[r]!), '3333333333333333');
    assert.equal(b.kind[r], 1);
    assert.equal(b.durationNs[r], 0n);
    assert.equal(attr(b, r, Attr.XRAY_IN_PROGRESS), true);
    assert.equal(b.statusCode[r], 2);
    assert.equal(b.statusMessage[r], 'm1');
    const ev = b.events[r]!;
    assert.equal(ev.length, 2);
    assert.equal(ev[0]!.timeUnixNano, '1795487215210000000');
    assert.equal(ev[0]!.attributes[Attr.EXCEPTION_STACKTRACE], 'at a.go:3\nat fn');
    assert.equal(ev[1]!.attributes['xray.exception.cause'], '6666666666666666');
    assert.equal(ev[1]!.attributes[Attr.EXCEPTION_TYPE], undefined);
    assert.equal(attr(b, r, Attr.EXCEPTION_TYPE), 'T');
  });
  test('sql subsegment', () => {
    const r = rowOf(b, '8888888888888888');
    assert.equal(b.durationNs[r], 0n);
    assert.equal(b.kind[r], 3);
    assert.equal(attr(b, r, Attr.DB_SYSTEM), 'PostgreSQL');
    assert.equal(attr(b, r, Attr.DB_STATEMENT), 'SELECT 1');
    assert.equal(attr(b, r, Attr.DB_CONNECTION_STRING), 'host=h');
    assert.equal(attr(b, r, 'xray.sql.url'), 'postgresql://host/db');
    assert.equal(attr(b, r, Attr.DB_USER), 'app');
    assert.equal(attr(b, r, Attr.DB_VERSION), '15');
    assert.equal(attr(b, r, Attr.DB_DRIVER_VERSION), 'pg 8');
    assert.equal(attr(b, r, Attr.DB_PREPARATION), 'statement');
    assert.equal(attr(b, r, 'xray.sql.extra'), 'e');
  });
  test('sql url alone goes to db.connection_string', () => {
    const b2 = new SpanBatch();
    appendSegment(b2, { ...doc, subsegments: [{ name: 'q', id: '9999999999999999', start_time: 1, end_time: 2, sql: { url: 'mysql://h/d' } }] }, '{}');
    assert.equal(b2.getAttr(1, Attr.DB_CONNECTION_STRING), 'mysql://h/d');
  });
});

describe('robustness', () => {
  test('a bad id inside an unvalidated document throws and leaves the batch as it was', () => {
    const b = new SpanBatch(2);
    loadCaptureInto(b, 'xray_run1/udp_001.raw');
    const before = b.length;
    const r = parseDocument('{"trace_id":"1-6b04f5ef-07ca17f08b2bc5660e4ecb2d","id":"aaaaaaaaaaaaaaaa","name":"s","start_time":1,"end_time":2,"subsegments":[{"id":"ok00000000000000","name":"x","start_time":1,"end_time":2}]}');
    assert.ok(r.ok);
    assert.notDeepEqual(validateSegment(r.doc), []);
    assert.throws(() => appendSegment(b, r.doc, r.raw));
    assert.equal(b.length, before);
    assert.equal(b.xrayDoc.length, before);
  });
  test('stack rendering', () => {
    assert.equal(renderStack([{ path: 'p', line: 1, label: 'l' }, { path: 'q' }, {}]), 'at l (p:1)\nat q\nat <unknown>');
  });
  test('spans view of a capture', () => {
    const { batch } = loadCapture('xray_run1/udp_001.raw');
    const spans = batchToSpans(batch);
    assert.equal(spans[0]!.resource[Attr.SERVICE_NAME], 'backend-flask');
    assert.equal(spans[0]!.attributes['user_id'], 'u-123');
  });
});

function loadCaptureInto(b: SpanBatch, f: string) {
  const r = parseDatagram(readCapture(f));
  assert.ok(r.ok);
  appendSegment(b, r.doc, r.raw);
}
