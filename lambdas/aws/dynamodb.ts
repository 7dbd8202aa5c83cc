import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type {
  BatchGetCommandInput, BatchGetCommandOutput, DeleteCommandInput, DeleteCommandOutput, GetCommandInput, GetCommandOutput,
  PutCommandInput, PutCommandOutput, QueryCommandInput, QueryCommandOutput, ScanCommandInput, ScanCommandOutput,
  TransactWriteCommandInput, TransactWriteCommandOutput, UpdateCommandInput, UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';

export type { TransactWriteCommandInput };
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AwsError } from './aws-error.js';
import type { AwsClientOptions } from './aws-client.js';
import { JsonClient } from './json-client.js';

/**
 * DynamoDB with items as plain JavaScript values, as the SDK's document client has them: the
 * same command names, inputs and outputs (types from the SDK), converted by the SDK's own
 * marshalling, over a small JSON-protocol client rather than the SDK's.
 */

type Item = Record<string, unknown>;
type Wire = Record<string, AttributeValue>;

/**
 * Binary values cross JSON as base64 (`B`, `BS`), at any depth: marshalling makes and
 * unmarshalling takes Uint8Arrays.
 */
function binaries(value: AttributeValue, convert: (bytes: never) => unknown): AttributeValue {
  if (value.B !== undefined) return { B: convert(value.B as never) } as AttributeValue;
  if (value.BS !== undefined) return { BS: value.BS.map((bytes) => convert(bytes as never)) } as AttributeValue;
  if (value.L !== undefined) return { L: value.L.map((entry) => binaries(entry, convert)) };
  if (value.M !== undefined) return { M: binariesOf(value.M, convert) };
  return value;
}
const binariesOf = (item: Wire, convert: (bytes: never) => unknown): Wire =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, binaries(value, convert)]));
const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

const toWire = (item: Item): Wire => binariesOf(marshall(item, { removeUndefinedValues: true }), toBase64);
const fromWire = (item: Wire): Item => unmarshall(binariesOf(item, fromBase64));
const fromWireList = (items: Wire[] | undefined) => items?.map(fromWire);

/** Converts the fields of an input or output that hold items, keys or values, and nothing else. */
function converted<T extends object>(value: T, fields: readonly string[], convert: (item: never) => unknown): T {
  const result: Record<string, unknown> = { ...value as Record<string, unknown> };
  for (const field of fields) if (result[field] !== undefined) result[field] = convert(result[field] as never);
  return result as T;
}

const ITEM_FIELDS = ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const;
const toWireFields = <T extends object>(input: T) => converted(input, ITEM_FIELDS, toWire);
const fromWireFields = <T extends object>(output: T) => converted(output, ['Item', 'Attributes', 'LastEvaluatedKey'], fromWire);

/** A document command: a DynamoDB operation, its input, and how its items cross the wire. */
abstract class DocumentCommand<Input extends object, Output> {
  abstract readonly operation: string;
  constructor(readonly input: Input) {}
  wireInput(): object {
    return toWireFields(this.input);
  }
  readOutput(output: Record<string, unknown>): Output {
    return fromWireFields(output) as Output;
  }
}

export class GetCommand extends DocumentCommand<GetCommandInput, GetCommandOutput> {
  readonly operation = 'GetItem';
}
export class PutCommand extends DocumentCommand<PutCommandInput, PutCommandOutput> {
  readonly operation = 'PutItem';
}
export class UpdateCommand extends DocumentCommand<UpdateCommandInput, UpdateCommandOutput> {
  readonly operation = 'UpdateItem';
}
export class DeleteCommand extends DocumentCommand<DeleteCommandInput, DeleteCommandOutput> {
  readonly operation = 'DeleteItem';
}

export class QueryCommand extends DocumentCommand<QueryCommandInput, QueryCommandOutput> {
  readonly operation = 'Query';
  override readOutput(output: Record<string, unknown>): QueryCommandOutput {
    return { ...fromWireFields(output), Items: fromWireList(output.Items as Wire[] | undefined) } as QueryCommandOutput;
  }
}
export class ScanCommand extends DocumentCommand<ScanCommandInput, ScanCommandOutput> {
  readonly operation = 'Scan';
  override readOutput(output: Record<string, unknown>): ScanCommandOutput {
    return { ...fromWireFields(output), Items: fromWireList(output.Items as Wire[] | undefined) } as ScanCommandOutput;
  }
}

type KeysAndAttributes = { Keys?: Item[] } & Record<string, unknown>;
const mapTables = <From, To>(tables: Record<string, From> | undefined, convert: (value: From) => To) =>
  tables && Object.fromEntries(Object.entries(tables).map(([table, value]) => [table, convert(value)]));

export class BatchGetCommand extends DocumentCommand<BatchGetCommandInput, BatchGetCommandOutput> {
  readonly operation = 'BatchGetItem';
  override wireInput(): object {
    return { ...this.input, RequestItems: mapTables(this.input.RequestItems as Record<string, KeysAndAttributes>, (request) => ({ ...request, Keys: request.Keys?.map(toWire) })) };
  }
  override readOutput(output: Record<string, unknown>): BatchGetCommandOutput {
    return {
      ...output,
      Responses: mapTables(output.Responses as Record<string, Wire[]> | undefined, (items) => items.map(fromWire)),
      UnprocessedKeys: mapTables(output.UnprocessedKeys as Record<string, { Keys?: Wire[] }> | undefined, (request) => ({ ...request, Keys: fromWireList(request.Keys) })),
    } as BatchGetCommandOutput;
  }
}

const TRANSACT_ACTIONS = ['ConditionCheck', 'Put', 'Delete', 'Update'] as const;

export class TransactWriteCommand extends DocumentCommand<TransactWriteCommandInput, TransactWriteCommandOutput> {
  readonly operation = 'TransactWriteItems';
  override wireInput(): object {
    const items = this.input.TransactItems?.map((entry) => {
      const wire: Record<string, unknown> = { ...entry };
      for (const action of TRANSACT_ACTIONS) if (entry[action]) wire[action] = toWireFields(entry[action]);
      return wire;
    });
    return { ...this.input, TransactItems: items };
  }
}

type AnyDocumentCommand = DocumentCommand<object, unknown>;
type OutputOf<C> = C extends DocumentCommand<object, infer Output> ? Output : never;

/** Items an error answer carries (a failed condition's item, a cancelled transaction's reasons), as values. */
function withItems(error: unknown): unknown {
  if (!(error instanceof AwsError)) return error;
  if (error.Item) error.Item = fromWire(error.Item as Wire);
  const reasons = error.CancellationReasons as { Item?: Wire }[] | undefined;
  if (reasons) error.CancellationReasons = reasons.map((reason) => (reason.Item ? { ...reason, Item: fromWire(reason.Item) } : reason));
  return error;
}

export const DYNAMODB = { hostPrefix: 'dynamodb', environmentId: 'DYNAMODB', signingName: 'dynamodb', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0' } as const;

export class DynamoDocuments {
  /** The service itself, for operations on tables rather than items (local mode creates its table). */
  readonly service: JsonClient;

  constructor(options: AwsClientOptions) {
    this.service = new JsonClient(DYNAMODB, options);
  }

  async send<C extends AnyDocumentCommand>(command: C): Promise<OutputOf<C>> {
    try {
      return command.readOutput(await this.call(command.operation, command.wireInput())) as OutputOf<C>;
    } catch (error) {
      throw withItems(error);
    }
  }

  /** One operation, as it crosses the wire; local mode answers some without DynamoDB (local/remembered-reads.ts). */
  protected call(operation: string, input: object): Promise<Record<string, unknown>> {
    return this.service.send(operation, input);
  }
}
