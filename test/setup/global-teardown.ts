import { stopTestcontainersDatabase } from '../support/testcontainers';

export default async function globalTeardown(): Promise<void> {
  await stopTestcontainersDatabase();
}
