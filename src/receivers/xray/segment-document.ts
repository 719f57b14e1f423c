/**
 * The X-Ray segment document, as sent by the X-Ray SDKs to the daemon (UDP) and by the daemon or
 * other tools to `PutTraceSegments`. Field list from the X-Ray developer guide
 * (`xray-api-segmentdocuments.md`) and the Go model (`xray/segment_model.go`); see
 * the spec, section 3.
 *
 * One type covers segments, inline subsegments and independent subsegments: X-Ray uses the same
 * field names for all three and the rules differ only in which fields are required (see
 * `validateSegment` in datagram.ts). Every object type has an index signature: documents come from
 * `JSON.parse`, so unknown fields are kept and nothing is guaranteed before validation.
 */

/** `http.request`. `x_forwarded_for` is for segments, `traced` for subsegments. */
export interface XrayHttpRequest {
  method?: string;
  url?: string;
  user_agent?: string;
  client_ip?: string;
  /** True when `client_ip` was read from an `X-Forwarded-For` header. */
  x_forwarded_for?: boolean;
  /** True when the downstream call is to another traced service. */
  traced?: boolean;
  [key: string]: unknown;
}

export interface XrayHttpResponse {
  status?: number;
  content_length?: number;
  [key: string]: unknown;
}

export interface XrayHttp {
  request?: XrayHttpRequest;
  response?: XrayHttpResponse;
  [key: string]: unknown;
}

export interface XrayAwsEc2 {
  instance_id?: string;
  instance_size?: string;
  ami_id?: string;
  availability_zone?: string;
  [key: string]: unknown;
}

export interface XrayAwsEcs {
  container?: string;
  container_id?: string;
  container_arn?: string;
  [key: string]: unknown;
}

export interface XrayAwsEks {
  pod?: string;
  cluster_name?: string;
  container_id?: string;
  [key: string]: unknown;
}

export interface XrayAwsElasticBeanstalk {
  environment_name?: string;
  version_label?: string;
  deployment_id?: number;
  [key: string]: unknown;
}

export interface XrayAwsXray {
  sdk?: string;
  sdk_version?: string;
  auto_instrumentation?: boolean;
  /** Sampling rule that sampled the request (Node SDK 3.x). */
  rule_name?: string;
  /** Node SDK: `aws-xray-sdk-core`. */
  package?: string;
  [key: string]: unknown;
}

export interface XrayCloudwatchLogs {
  log_group?: string;
  arn?: string;
  [key: string]: unknown;
}

/** `aws`: resource facts on a segment, call facts (`operation`, `request_id`, ...) on a subsegment. */
export interface XrayAws {
  account_id?: string;
  region?: string;
  operation?: string;
  request_id?: string;
  queue_url?: string;
  table_name?: string;
  retries?: number;
  cloudwatch_logs?: XrayCloudwatchLogs[];
  ec2?: XrayAwsEc2;
  ecs?: XrayAwsEcs;
  eks?: XrayAwsEks;
  elastic_beanstalk?: XrayAwsElasticBeanstalk;
  xray?: XrayAwsXray;
  [key: string]: unknown;
}

export interface XraySql {
  connection_string?: string;
  url?: string;
  sanitized_query?: string;
  database_type?: string;
  database_version?: string;
  driver_version?: string;
  user?: string;
  preparation?: 'call' | 'statement' | string;
  [key: string]: unknown;
}

export interface XrayStackFrame {
  path?: string;
  line?: number;
  label?: string;
  [key: string]: unknown;
}

export interface XrayException {
  /** 16 hex chars; required by X-Ray. */
  id?: string;
  message?: string;
  type?: string;
  remote?: boolean;
  truncated?: number;
  skipped?: number;
  /** Id of the exception that caused this one. */
  cause?: string;
  stack?: XrayStackFrame[];
  [key: string]: unknown;
}

export interface XrayCauseObject {
  working_directory?: string;
  paths?: string[];
  exceptions?: XrayException[];
  [key: string]: unknown;
}

/** Either the full cause or the 16-hex id of an exception recorded on a child subsegment. */
export type XrayCause = string | XrayCauseObject;

export interface XrayService {
  version?: string;
  /** Node SDK extras: `runtime`, `runtime_version`, `name`. */
  [key: string]: unknown;
}

export type AnnotationValue = string | number | boolean;

/**
 * A segment, an inline subsegment (an element of `subsegments`), or an independent subsegment
 * (`type: "subsegment"`, sent as its own document with `trace_id` and `parent_id`).
 */
export interface SegmentDocument {
  // ---- required (see validateSegment) ----
  /** Segment: the service name (becomes the dataset). Subsegment: the operation or the remote host. */
  name: string;
  /** 16 hex chars. */
  id: string;
  /** `1-<8 hex>-<24 hex>`. Required on top-level documents, absent on inline subsegments. */
  trace_id?: string;
  /** Float epoch seconds (microsecond precision). */
  start_time: number;
  /** Float epoch seconds; exactly one of `end_time` and `in_progress: true`. */
  end_time?: number;
  in_progress?: boolean;

  // ---- shared optional fields ----
  /** Segment: the upstream caller's (sub)segment id. Independent subsegment: the enclosing (sub)segment. */
  parent_id?: string;
  /** Absent or `"segment"` for segments; `"subsegment"` for independent subsegments. */
  type?: 'segment' | 'subsegment' | string;
  http?: XrayHttp;
  aws?: XrayAws;
  error?: boolean;
  throttle?: boolean;
  fault?: boolean;
  cause?: XrayCause;
  annotations?: Record<string, AnnotationValue>;
  /** namespace -> key -> any JSON value. */
  metadata?: Record<string, Record<string, unknown>>;
  subsegments?: SegmentDocument[];

  // ---- segment only ----
  service?: XrayService;
  user?: string;
  /** `AWS::EC2::Instance`, `AWS::ECS::Container`, `AWS::ElasticBeanstalk::Environment`, ... */
  origin?: string;
  resource_arn?: string;

  // ---- subsegment only ----
  /** `aws` (AWS SDK calls) or `remote` (other downstream calls). */
  namespace?: 'aws' | 'remote' | string;
  precursor_ids?: string[];
  sql?: XraySql;

  [key: string]: unknown;
}
