/**
 * A `vector[]` query parameter in PostgreSQL's binary format (array_recv of pgvector's vector_recv elements):
 * 4 bytes a dimension instead of ~11 characters of text, and nothing for the server to parse. node-postgres
 * sends a Buffer parameter as binary; the server checks the element type, so `vectorOid` must be the
 * database's OID of `vector` (`select 'vector'::regtype::oid`).
 */
export function binaryVectorArray(vectors: readonly Float32Array[], vectorOid: number): Buffer {
  const dimension = vectors[0]?.length ?? 0;
  const elementBytes = 4 + dimension * 4;
  const buffer = Buffer.allocUnsafe(20 + vectors.length * (4 + elementBytes));
  let at = buffer.writeInt32BE(1, 0); // dimensions of the array
  at = buffer.writeInt32BE(0, at); // no NULLs
  at = buffer.writeUInt32BE(vectorOid, at);
  at = buffer.writeInt32BE(vectors.length, at);
  at = buffer.writeInt32BE(1, at); // lower bound
  for (const vector of vectors) {
    if (vector.length !== dimension) throw new Error(`vectors of different dimensions (${dimension} and ${vector.length})`);
    at = buffer.writeInt32BE(elementBytes, at);
    at = buffer.writeInt16BE(dimension, at);
    at = buffer.writeInt16BE(0, at); // unused
    for (let i = 0; i < dimension; i++) at = buffer.writeFloatBE(vector[i], at);
  }
  return buffer;
}
