using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Homunculus.Compiler.Search;

/// <summary>A point of a design space: a branch (the compiler: an algorithm) and the values of its dimensions.</summary>
/// <param name="Fixed">A configuration given as such (baseline, warm start, lock), which the point only approximates for the surrogate.</param>
public sealed record SearchPoint(int Branch, double[] Values, object? Fixed = null);

/// <summary>What the optimizer needs to know about a design space; the evaluation is passed separately.</summary>
public interface ISearchProblem
{
    SearchPoint Sample(Random random);

    SearchPoint Neighbour(SearchPoint point, Random random);

    /// <summary>The point as the surrogate's input (a fixed-length vector, values roughly in -1..1).</summary>
    double[] Encode(SearchPoint point);

    /// <summary>Identity of the configuration the point stands for: equal keys are evaluated once.</summary>
    string Key(SearchPoint point);

    /// <summary>A cheap check before evaluating (the cost model on the model's shape): false skips the point.</summary>
    bool MayBeFeasible(SearchPoint point);
}

/// <summary>The outcome of one point. <see cref="Evaluated"/> false: skipped by <see cref="ISearchProblem.MayBeFeasible"/> (objective unknown).</summary>
public sealed record Observation(double Objective, bool Feasible, bool Evaluated = true)
{
    public static Observation Skipped { get; } = new(double.NaN, false, false);
}

/// <param name="Trials">Points to evaluate (skipped ones do not count).</param>
/// <param name="InitialTrials">Random points before the surrogate takes over (fixed points count among them).</param>
/// <param name="BatchSize">Points proposed together and evaluated in parallel; a constant, so that the
/// degree of parallelism never changes the sequence of points.</param>
/// <param name="Guided">False: random search (for comparison).</param>
public sealed record SearchSettings(int Trials, int InitialTrials, int Seed, int BatchSize = 4, int Parallelism = 1, TimeSpan? TimeLimit = null, bool Guided = true)
{
    public int RandomCandidates { get; init; } = 1000;
}

/// <param name="Trial">1-based number among evaluated points; 0 for a skipped one.</param>
/// <param name="Guided">Proposed by the surrogate (else random or fixed).</param>
public sealed record SearchStep(int Trial, SearchPoint Point, Observation Result, bool Guided);

/// <summary>
/// Constrained Bayesian optimization in the manner of HyperMapper: a random forest models the objective
/// (mean and variance across its trees), a second forest the probability of feasibility; the next points
/// maximize expected improvement over the best feasible objective times that probability, searched by
/// local search from the best points plus random candidates. Unlike HyperMapper, the model-guided phase
/// starts after the initial points whatever they were (all feasible or all infeasible). Points are proposed
/// in batches of a fixed size (each next point assuming the previous one scores its predicted mean) and
/// evaluated in parallel; results are taken in proposal order, so the run is the same for any parallelism.
/// Maximizes the objective.
/// </summary>
public static class BayesianOptimizer
{
    private const int MaxSkippedPerSlot = 50;

    public static IReadOnlyList<SearchStep> Run(
        ISearchProblem problem,
        SearchSettings settings,
        IReadOnlyList<SearchPoint> first,
        Func<SearchPoint, CancellationToken, Observation> evaluate,
        Action<SearchStep>? report,
        CancellationToken cancellation)
    {
        var random = new Random(settings.Seed);
        var steps = new List<SearchStep>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<SearchPoint>(first);
        var clock = Stopwatch.StartNew();
        int evaluated = 0, stalls = 0;
        while (evaluated < settings.Trials)
        {
            cancellation.ThrowIfCancellationRequested();
            if (settings.TimeLimit is { } limit && clock.Elapsed >= limit && evaluated > 0) break;
            int size = Math.Min(settings.BatchSize, settings.Trials - evaluated);
            var batch = new List<(SearchPoint Point, bool Guided)>();
            var pending = new HashSet<string>(StringComparer.Ordinal);
            while (batch.Count < size && queue.Count > 0)
            {
                var point = queue.Dequeue();
                if (seen.Contains(problem.Key(point)) || !pending.Add(problem.Key(point))) continue;
                batch.Add((point, false));
            }
            bool guided = settings.Guided && evaluated + batch.Count >= settings.InitialTrials && steps.Any(s => s.Result.Evaluated);
            if (guided && batch.Count < size)
            {
                foreach (var point in Propose(problem, settings, steps, seen, pending, size - batch.Count, random))
                {
                    pending.Add(problem.Key(point));
                    batch.Add((point, true));
                }
            }
            while (batch.Count < size)
            {
                var point = RandomPoint(problem, seen, pending, random, skipped =>
                {
                    var step = new SearchStep(0, skipped, Observation.Skipped, false);
                    steps.Add(step);
                    seen.Add(problem.Key(skipped));
                    report?.Invoke(step);
                });
                if (point is null) break;
                pending.Add(problem.Key(point));
                batch.Add((point, false));
            }
            if (batch.Count == 0)
            {
                if (++stalls > 3) break;   // the space is exhausted (or all of it is skipped)
                continue;
            }

            var results = new Observation[batch.Count];
            try
            {
                Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Parallelism), CancellationToken = cancellation },
                    i => results[i] = evaluate(batch[i].Point, cancellation));
            }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
            {
                throw new OperationCanceledException(cancellation);
            }
            for (int i = 0; i < batch.Count; i++)
            {
                seen.Add(problem.Key(batch[i].Point));
                var step = new SearchStep(results[i].Evaluated ? ++evaluated : 0, batch[i].Point, results[i], batch[i].Guided);
                steps.Add(step);
                report?.Invoke(step);
            }
        }
        return steps;
    }

    /// <summary>A random point not seen before that may be feasible; points the structural check rejects are passed to <paramref name="skip"/>.</summary>
    private static SearchPoint? RandomPoint(ISearchProblem problem, HashSet<string> seen, HashSet<string> pending, Random random, Action<SearchPoint> skip)
    {
        for (int attempt = 0; attempt < MaxSkippedPerSlot * 4; attempt++)
        {
            var point = problem.Sample(random);
            string key = problem.Key(point);
            if (seen.Contains(key) || pending.Contains(key)) continue;
            if (problem.MayBeFeasible(point)) return point;
            skip(point);
        }
        return null;
    }

    private static List<SearchPoint> Propose(ISearchProblem problem, SearchSettings settings, List<SearchStep> steps, HashSet<string> seen, HashSet<string> pending, int count, Random random)
    {
        var trained = steps.Where(s => s.Result.Evaluated).ToList();
        var x = trained.Select(s => problem.Encode(s.Point)).ToList();
        var y = trained.Select(s => s.Result.Objective).ToList();
        var allX = steps.Select(s => problem.Encode(s.Point)).ToList();
        var allF = steps.Select(s => s.Result.Feasible ? 1.0 : 0.0).ToList();
        int seed = random.Next();
        var feasibility = RegressionForest.Fit(allX, allF, seed ^ 0x5bd1e995);
        bool anyFeasible = trained.Any(s => s.Result.Feasible);
        double best = anyFeasible ? trained.Where(s => s.Result.Feasible).Max(s => s.Result.Objective) : double.NegativeInfinity;

        var chosen = new List<SearchPoint>();
        for (int pick = 0; pick < count; pick++)
        {
            var surrogate = RegressionForest.Fit(x, y, seed + pick);
            double Acquisition(SearchPoint p)
            {
                var e = problem.Encode(p);
                double pf = feasibility.Predict(e).Mean;
                if (!anyFeasible) return pf;
                var (mu, variance) = surrogate.Predict(e);
                return ExpectedImprovement(mu, Math.Sqrt(variance), best) * pf;
            }

            var pool = new List<SearchPoint>();
            for (int i = 0; i < settings.RandomCandidates; i++) pool.Add(problem.Sample(random));
            // Local search from the best evaluated points and the best random candidates.
            var starts = trained.Where(s => s.Result.Feasible || !anyFeasible)
                .OrderByDescending(s => s.Result.Objective).Take(5).Select(s => s.Point)
                .Concat(pool.Select((p, i) => (p, a: Acquisition(p), i)).OrderByDescending(t => t.a).ThenBy(t => t.i).Take(5).Select(t => t.p))
                .ToList();
            foreach (var start in starts)
            {
                var current = start;
                double value = Acquisition(current);
                for (int move = 0; move < 8; move++)
                {
                    SearchPoint? next = null;
                    double nextValue = value;
                    for (int n = 0; n < 15; n++)
                    {
                        var candidate = problem.Neighbour(current, random);
                        pool.Add(candidate);
                        double a = Acquisition(candidate);
                        if (a > nextValue)
                        {
                            next = candidate;
                            nextValue = a;
                        }
                    }
                    if (next is null) break;
                    current = next;
                    value = nextValue;
                }
            }

            var ranked = pool.Select((p, i) => (p, a: Acquisition(p), i))
                .OrderByDescending(t => t.a).ThenBy(t => t.i).Select(t => t.p);
            bool flat = !anyFeasible && pool.All(p => Acquisition(p) <= 0);
            if (flat) ranked = pool;   // nothing to go on: the random candidates in their random order
            SearchPoint? pickPoint = null;
            foreach (var p in ranked)
            {
                string key = problem.Key(p);
                if (seen.Contains(key) || pending.Contains(key)) continue;
                if (!problem.MayBeFeasible(p)) continue;
                pickPoint = p;
                break;
            }
            if (pickPoint is null) break;
            pending.Add(problem.Key(pickPoint));
            chosen.Add(pickPoint);
            // The next pick of the batch assumes this point scores its predicted mean ("kriging believer").
            var encoded = problem.Encode(pickPoint);
            x.Add(encoded);
            y.Add(trained.Count >= 2 ? surrogate.Predict(encoded).Mean : (y.Count > 0 ? y.Average() : 0));
        }
        return chosen;
    }

    public static double ExpectedImprovement(double mean, double deviation, double best)
    {
        double gain = mean - best;
        if (deviation < 1e-12) return Math.Max(0, gain);
        double z = gain / deviation;
        return gain * NormalCdf(z) + deviation * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
    }

    private static double NormalCdf(double z) => 0.5 * (1 + Erf(z / Math.Sqrt(2)));

    /// <summary>Abramowitz-Stegun 7.1.26 (error below 1.5e-7): plenty for ranking candidates.</summary>
    private static double Erf(double x)
    {
        double sign = Math.Sign(x);
        x = Math.Abs(x);
        double t = 1 / (1 + 0.3275911 * x);
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return sign * y;
    }
}
