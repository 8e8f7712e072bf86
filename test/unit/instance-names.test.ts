import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextNumberName, restartName } from '../../src/server/instances/names.js';

test('the next default name is one past the highest #N the agent has (not its count)', () => {
  assert.equal(nextNumberName([]), '#1');
  assert.equal(nextNumberName(['#1', '#2']), '#3');
  assert.equal(nextNumberName(['#3', 'auto', 'api (2)']), '#4', 'after #1 and #2 were deleted, #3 stays the highest');
  assert.equal(nextNumberName(['auto']), '#1');
});

test('a restart gets a name of its own: the next #N, or "name (k)"', () => {
  assert.equal(restartName('#1', ['#1', '#2']), '#3');
  assert.equal(restartName('auto', ['auto']), 'auto (2)');
  assert.equal(restartName('auto (2)', ['auto', 'auto (2)']), 'auto (3)');
  assert.equal(restartName('api', ['api', 'api (2)', 'api (3)']), 'api (4)');
});
