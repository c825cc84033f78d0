import { afterEach } from 'vitest';
import { resetEventHandlers } from './platform';

afterEach(() => {
  resetEventHandlers();
});
