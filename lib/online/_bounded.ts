/** A Map that forgets its least recently written entries past a cap (attacker-controlled keys). */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly cap: number) {
    super();
  }

  /** Set `key`, moving it to the newest position; evicts the oldest past the cap. */
  override set(key: K, value: V): this {
    if (this.cap === undefined) return super.set(key, value); // called by Map's constructor
    super.delete(key);
    super.set(key, value);
    while (this.size > this.cap) super.delete(this.keys().next().value!);
    return this;
  }
}
