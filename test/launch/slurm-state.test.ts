import { describe, expect, it } from 'vitest';
import { isActive, parseJobId, parseSacct, parseSqueue } from '../../src/launch/slurm.js';

describe('Slurm state parsing', () => {
  it('reads plain jobs, array tasks and the pending remainder of an array', () => {
    expect(parseJobId('17')).toEqual([{ job: '17', task: null }]);
    expect(parseJobId('17_3')).toEqual([{ job: '17', task: 3 }]);
    expect(parseJobId('17_[2-4,7%2]')).toEqual([2, 3, 4, 7].map((task) => ({ job: '17', task })));
    expect(parseJobId('17+1')).toEqual([]);
  });

  it('parses squeue -h -r -o "%i|%T|%r"', () => {
    const out = [
      '21_0|RUNNING|None',
      '21_2|PENDING|Resources',
      '21_3|PENDING|JobArrayTaskLimit',
      '22|PENDING|Dependency',
      '',
    ].join('\n');
    expect(parseSqueue(out)).toEqual([
      { job: '21', task: 0, state: 'RUNNING', reason: null },
      { job: '21', task: 2, state: 'PENDING', reason: 'Resources' },
      { job: '21', task: 3, state: 'PENDING', reason: 'JobArrayTaskLimit' },
      { job: '22', task: null, state: 'PENDING', reason: 'Dependency' },
    ]);
  });

  it('parses sacct -n -P -X -o JobID,State,ExitCode, including "CANCELLED by <uid>"', () => {
    const out = [
      '30_0|COMPLETED|0:0',
      '30_1|CANCELLED by 0|0:15',
      '30_2|FAILED|1:0',
      '30_[3-4]|PENDING|0:0',
      '31|TIMEOUT|0:0',
    ].join('\n');
    const states = parseSacct(out);
    expect(states.map((s) => [s.job, s.task, s.state, s.reason])).toEqual([
      ['30', 0, 'COMPLETED', '0:0'],
      ['30', 1, 'CANCELLED', '0:15'],
      ['30', 2, 'FAILED', '1:0'],
      ['30', 3, 'PENDING', '0:0'],
      ['30', 4, 'PENDING', '0:0'],
      ['31', null, 'TIMEOUT', '0:0'],
    ]);
  });

  it('counts a job as holding its cell until it has ended', () => {
    for (const s of ['PENDING', 'RUNNING', 'REQUEUED', 'COMPLETING', 'SUSPENDED']) expect(isActive(s)).toBe(true);
    for (const s of ['COMPLETED', 'CANCELLED', 'FAILED', 'TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'OUT_OF_MEMORY', ''])
      expect(isActive(s)).toBe(false);
  });
});
