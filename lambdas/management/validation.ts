import { EcrError } from './errors.js';

/**
 * Reads and validates request fields against ECR's API model, answering as
 * ECR does: ValidationException for shape constraints, in AWS's wording, and
 * InvalidParameterException where ECR checks a value itself (repository names).
 */
export type Input = Record<string, unknown>;

export function constraintError(field: string, value: unknown, constraint: string): EcrError {
  return new EcrError('ValidationException', `1 validation error detected: Value ${JSON.stringify(value)} at '${field}' failed to satisfy constraint: ${constraint}`);
}

/** ECR's InvalidParameterException for a value its service logic refuses, in ECR's words. */
export function invalidParameter(field: string, constraint: string): EcrError {
  return new EcrError('InvalidParameterException', `Invalid parameter at '${field}' failed to satisfy constraint: '${constraint}'`);
}

interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
}

export function optionalString(input: Input, field: string, rule: StringRule = {}): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EcrError('SerializationException', `${field} must be a string`);
  if (rule.min !== undefined && value.length < rule.min) throw constraintError(field, value, `Member must have length greater than or equal to ${rule.min}`);
  if (rule.max !== undefined && value.length > rule.max) throw constraintError(field, value, `Member must have length less than or equal to ${rule.max}`);
  if (rule.pattern && !rule.pattern.test(value)) throw constraintError(field, value, `Member must satisfy regular expression pattern: ${rule.pattern.source}`);
  return value;
}

export function requiredString(input: Input, field: string, rule: StringRule = {}): string {
  const value = optionalString(input, field, rule);
  if (value === undefined) throw constraintError(field, null, 'Member must not be null');
  return value;
}

export function optionalBoolean(input: Input, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new EcrError('SerializationException', `${field} must be a boolean`);
  return value;
}

export function optionalInteger(input: Input, field: string, min: number, max: number): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new EcrError('SerializationException', `${field} must be an integer`);
  if (value < min) throw constraintError(field, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraintError(field, value, `Member must have value less than or equal to ${max}`);
  return value;
}

export function optionalEnum<T extends string>(input: Input, field: string, values: readonly T[]): T | undefined {
  const value = optionalString(input, field);
  if (value === undefined) return undefined;
  if (!values.includes(value as T)) throw constraintError(field, value, `Member must satisfy enum value set: [${values.join(', ')}]`);
  return value as T;
}

export function optionalList(input: Input, field: string, rule: { min?: number; max?: number } = {}): unknown[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new EcrError('SerializationException', `${field} must be a list`);
  if (rule.min !== undefined && value.length < rule.min) throw constraintError(field, value.length, `Member must have length greater than or equal to ${rule.min}`);
  if (rule.max !== undefined && value.length > rule.max) throw constraintError(field, value.length, `Member must have length less than or equal to ${rule.max}`);
  return value;
}

export function requiredList(input: Input, field: string, rule: { min?: number; max?: number } = {}): unknown[] {
  const value = optionalList(input, field, rule);
  if (value === undefined) throw constraintError(field, null, 'Member must not be null');
  return value;
}

export function optionalObject(input: Input, field: string): Input | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new EcrError('SerializationException', `${field} must be an object`);
  return value as Input;
}

/** The members of a list of structures, each checked to be an object. */
export function objectsOf(list: unknown[], field: string): Input[] {
  return list.map((item, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new EcrError('SerializationException', `${field}.${index + 1} must be an object`);
    }
    return item as Input;
  });
}
