/**
 * Attribute names shared by the protocol edges and the query layer.
 *
 * X-Ray segment fields are mapped onto OpenTelemetry semantic-convention names so that one query
 * language sees both worlds; the few facts OTel has no name for live under `xray.*`.
 * For HTTP, newer (stable) OTel names are written; readers also look at the older names listed in
 * `HTTP_ALIASES` because OTel SDKs in the wild send both.
 */
export const Attr = {
  SERVICE_NAME: 'service.name',
  SERVICE_VERSION: 'service.version',

  HTTP_METHOD: 'http.request.method',
  HTTP_URL: 'url.full',
  HTTP_STATUS: 'http.response.status_code',
  HTTP_USER_AGENT: 'user_agent.original',
  HTTP_CLIENT_IP: 'client.address',
  HTTP_X_FORWARDED_FOR: 'http.request.header.x_forwarded_for',
  HTTP_RESPONSE_SIZE: 'http.response.body.size',
  HTTP_TRACED: 'xray.http.traced',

  DB_SYSTEM: 'db.system',
  DB_STATEMENT: 'db.statement',
  DB_CONNECTION_STRING: 'db.connection_string',
  DB_USER: 'db.user',
  DB_VERSION: 'db.version',
  DB_DRIVER_VERSION: 'db.driver.version',
  DB_PREPARATION: 'db.preparation',

  CLOUD_PROVIDER: 'cloud.provider',
  CLOUD_REGION: 'cloud.region',
  CLOUD_ACCOUNT_ID: 'cloud.account.id',
  CLOUD_AVAILABILITY_ZONE: 'cloud.availability_zone',
  CLOUD_PLATFORM: 'cloud.platform',
  CLOUD_RESOURCE_ID: 'cloud.resource_id',
  HOST_ID: 'host.id',
  HOST_TYPE: 'host.type',
  HOST_IMAGE_ID: 'host.image.id',
  CONTAINER_NAME: 'container.name',
  CONTAINER_ID: 'container.id',
  K8S_POD_NAME: 'k8s.pod.name',
  K8S_CLUSTER_NAME: 'k8s.cluster.name',
  AWS_OPERATION: 'aws.operation',
  AWS_REQUEST_ID: 'aws.request_id',
  AWS_QUEUE_URL: 'aws.queue_url',
  AWS_TABLE_NAME: 'aws.table_name',
  AWS_SERVICE: 'rpc.service',
  TELEMETRY_SDK_NAME: 'telemetry.sdk.name',
  TELEMETRY_SDK_VERSION: 'telemetry.sdk.version',
  ENDUSER_ID: 'enduser.id',

  EXCEPTION_TYPE: 'exception.type',
  EXCEPTION_MESSAGE: 'exception.message',
  EXCEPTION_STACKTRACE: 'exception.stacktrace',

  /** X-Ray error flags (booleans). For OTel spans they are derived: see query/xray/. */
  XRAY_ERROR: 'xray.error',
  XRAY_FAULT: 'xray.fault',
  XRAY_THROTTLE: 'xray.throttle',
  /** `origin` of a segment, e.g. `AWS::EC2::Instance` (X-Ray's `type` keyword). */
  XRAY_ORIGIN: 'xray.origin',
  /** `namespace` of a subsegment: `aws` or `remote`. */
  XRAY_NAMESPACE: 'xray.namespace',
  /** `true` on a span stored from an in-progress document; replaced when the complete one arrives. */
  XRAY_IN_PROGRESS: 'xray.in_progress',
  XRAY_RESOURCE_ARN: 'xray.resource_arn',
  XRAY_PRECURSOR_IDS: 'xray.precursor_ids',
  /** 'segment' or 'subsegment': which kind of X-Ray document part the span came from. */
  XRAY_TYPE: 'xray.type',
  /** JSON array of the annotation keys of the span (the values are plain attributes, see below). */
  XRAY_ANNOTATION_KEYS: 'xray.annotation_keys',
} as const;

/** Older HTTP attribute names that mean the same as the stable ones. */
export const HTTP_ALIASES: Record<string, string[]> = {
  [Attr.HTTP_METHOD]: ['http.method'],
  [Attr.HTTP_URL]: ['http.url'],
  [Attr.HTTP_STATUS]: ['http.status_code'],
  [Attr.HTTP_USER_AGENT]: ['http.user_agent'],
  [Attr.HTTP_CLIENT_IP]: ['http.client_ip'],
};

/**
 * X-Ray annotations are stored as plain attributes under their own key (so `annotation.user_id` and
 * the Honeycomb column `user_id` are the same data); metadata under `metadata.<namespace>.<key>`
 * (objects as JSON text).
 */
export const METADATA_PREFIX = 'metadata.';
