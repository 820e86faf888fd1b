import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parseSlurmTime, resolveLauncher, signalBefore } from '../../src/launch/settings.js';

describe('launcher settings', () => {
  it('reads every Slurm time format in seconds', () => {
    expect(parseSlurmTime('30')).toBe(1800);
    expect(parseSlurmTime('5:30')).toBe(330);
    expect(parseSlurmTime('04:00:00')).toBe(14400);
    expect(parseSlurmTime('2-12')).toBe(2 * 86400 + 12 * 3600);
    expect(parseSlurmTime('1-02:03')).toBe(86400 + 2 * 3600 + 180);
    expect(parseSlurmTime('1-02:03:04')).toBe(86400 + 2 * 3600 + 180 + 4);
    expect(parseSlurmTime('4h')).toBeNull();
  });

  it('fills defaults, and flags override the suite block field by field', () => {
    const s = resolveLauncher(
      { partition: 'gpu', gres: 'gpu:1', cpus_per_task: 4 },
      { partition: 'short', cpus_per_task: undefined },
      'x.yaml',
    );
    expect(s).toMatchObject({
      partition: 'short',
      gres: 'gpu:1',
      cpus_per_task: 4,
      time: null,
      max_running: null,
      sbatch_args: [],
    });
  });

  it('warns 120 s before the limit, or a quarter of a short limit, unless told', () => {
    expect(signalBefore(resolveLauncher({}, {}, 'x'))).toBe(120);
    expect(signalBefore(resolveLauncher({ time: '4' }, {}, 'x'))).toBe(60);
    expect(signalBefore(resolveLauncher({ time: '4', signal_before: 30 }, {}, 'x'))).toBe(30);
  });

  it('refuses bad values in one line each, naming the file and field', () => {
    const problems = (block: Record<string, unknown>) => {
      try {
        resolveLauncher(block, {}, 'suite.yaml');
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message.split('\n');
      }
      throw new Error('accepted');
    };
    expect(problems({ time: '4h' })).toEqual([
      "suite.yaml: launcher.time: '4h' is not a Slurm time limit (minutes, HH:MM:SS or D-HH:MM:SS)",
    ]);
    expect(problems({ time: '2', signal_before: 120 })[0]).toMatch(
      /^suite\.yaml: launcher\.signal_before: 120 s is not before the time limit 2 \(120 s\)/,
    );
    expect(problems({ cpus_per_task: 0 })[0]).toMatch(/^suite\.yaml: launcher\.cpus_per_task: must be >= 1/);
    expect(problems({ partitions: 'gpu' })).toEqual([
      "suite.yaml: launcher: must NOT have additional properties 'partitions'",
    ]);
    // Values land on #SBATCH lines: nothing that could end the line or run a command gets there.
    expect(problems({ partition: 'gpu\n#SBATCH --x' })[0]).toMatch(
      /^suite\.yaml: launcher\.partition: must match pattern/,
    );
    expect(problems({ sbatch_args: ['--constraint=a100', 'x; rm -rf /', '--comment=$(id)'] })).toHaveLength(2);
  });
});
