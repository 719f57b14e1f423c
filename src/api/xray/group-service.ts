import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/store.js';
import { formatError, validateFilterExpression } from '../../query/xray-filter/parser.js';
import { invalid, notFound } from './errors.js';

const KIND = 'xray-group';
const NAME = /^[A-Za-z0-9_\-.]{1,32}$/;

export interface Group {
  GroupName: string;
  GroupARN: string;
  FilterExpression?: string;
  InsightsConfiguration: { InsightsEnabled: boolean; NotificationsEnabled: boolean };
}

type MetaStore = Pick<Store, 'getMeta' | 'putMeta' | 'listMeta' | 'deleteMeta'>;

/** X-Ray groups, kept in the store. `Default` (no filter) always exists, as in X-Ray. */
export class GroupService {
  constructor(private readonly store: MetaStore, private readonly region: string, private readonly accountId: string) {}

  private arn(name: string): string {
    return `arn:aws:xray:${this.region}:${this.accountId}:group/${name}/${randomBytes(16).toString('base64url').slice(0, 26).toUpperCase()}`;
  }

  private defaultGroup(): Group {
    return { GroupName: 'Default', GroupARN: `arn:aws:xray:${this.region}:${this.accountId}:group/Default`, InsightsConfiguration: { InsightsEnabled: false, NotificationsEnabled: false } };
  }

  async list(): Promise<Group[]> {
    return [this.defaultGroup(), ...(await this.store.listMeta<Group>(KIND)).map((m) => m.value)];
  }

  /** Filter expression of a group by name or ARN (for `group.name` / `group.arn` in filters). */
  async filters(): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    for (const g of await this.list()) {
      m.set(g.GroupName, g.FilterExpression ?? '');
      m.set(g.GroupARN, g.FilterExpression ?? '');
    }
    return m;
  }

  async create(body: Record<string, unknown>): Promise<Group> {
    const name = body.GroupName;
    if (typeof name !== 'string' || !NAME.test(name)) throw invalid('GroupName must be 1-32 characters: letters, digits, _ - .');
    if (name === 'Default' || (await this.store.getMeta(KIND, name))) throw invalid(`Group ${name} already exists`);
    const group: Group = {
      GroupName: name, GroupARN: this.arn(name),
      ...filterOf(body.FilterExpression),
      InsightsConfiguration: insights(body.InsightsConfiguration),
    };
    await this.store.putMeta(KIND, name, group);
    return group;
  }

  async get(body: Record<string, unknown>): Promise<Group> {
    const key = (body.GroupName ?? body.GroupARN) as string | undefined;
    if (!key) throw invalid('GroupName or GroupARN is required');
    const g = (await this.list()).find((x) => x.GroupName === key || x.GroupARN === key);
    if (!g) throw invalid(`Group not found: ${key}`);
    return g;
  }

  async update(body: Record<string, unknown>): Promise<Group> {
    const g = await this.get(body);
    if (g.GroupName === 'Default') throw invalid('The Default group cannot be updated');
    const next: Group = { ...g, ...(body.FilterExpression !== undefined ? filterOf(body.FilterExpression) : {}) };
    if (body.InsightsConfiguration !== undefined) next.InsightsConfiguration = insights(body.InsightsConfiguration);
    await this.store.putMeta(KIND, g.GroupName, next);
    return next;
  }

  async delete(body: Record<string, unknown>): Promise<void> {
    const g = await this.get(body);
    if (g.GroupName === 'Default') throw invalid('The Default group cannot be deleted');
    if (!(await this.store.deleteMeta(KIND, g.GroupName))) throw notFound(`Group not found: ${g.GroupName}`);
  }
}

function filterOf(v: unknown): { FilterExpression?: string } {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v !== 'string') throw invalid('FilterExpression must be a string');
  const err = validateFilterExpression(v);
  if (err) throw invalid(`Invalid filter expression: ${formatError(v, err)}`);
  return { FilterExpression: v };
}

function insights(v: unknown): Group['InsightsConfiguration'] {
  const o = (v ?? {}) as Record<string, unknown>;
  return { InsightsEnabled: o.InsightsEnabled === true, NotificationsEnabled: o.NotificationsEnabled === true };
}
