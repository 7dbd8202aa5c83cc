/** Who a console sign-in or session stands for: enough to rebuild the API's principal on each request. */
export interface ConsoleIdentity {
  principalArn: string;
  accountId: string;
  /** Set for a key Berth issued: looked up on each request, so its policy applies and deleting it signs the console out. */
  accessKeyId?: string;
}

/** A sign-in link not yet used; stored under the SHA-256 of its code, never the code itself. */
export interface SignInRecord extends ConsoleIdentity {
  codeHash: string;
  /** Epoch seconds; DynamoDB's TTL removes the item some time after. */
  expiresAt: number;
}

export interface SignInStore {
  putSignIn(record: SignInRecord): Promise<void>;
  /** Removes the record and returns it; undefined when there is none (never made, or already taken). */
  takeSignIn(codeHash: string): Promise<SignInRecord | undefined>;
}
