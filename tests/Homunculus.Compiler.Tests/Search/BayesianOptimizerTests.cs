using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Search;

namespace Homunculus.Compiler.Tests.Search;

/// <summary>The optimizer on cheap synthetic problems with a known constrained optimum.</summary>
public sealed class BayesianOptimizerTests
{
    /// <summary>
    /// Maximize -(|x - c|^2) over [0,1]^4 with c = (0.7, 0.6, 0.5, 0.2), subject to x0 + x1 &lt;= 1.0 (known only
    /// after evaluating) and x3 &lt;= 0.8 (a structural check before evaluating). The constrained optimum lies on
    /// the boundary x0 + x1 = 1 (objective -0.045 at x = (0.55, 0.45, 0.5, 0.2)).
    /// </summary>
    private sealed class Bowl : ISearchProblem
    {
        private static readonly Dimension[] Dims = Enumerable.Range(0, 4).Select(i => Dimension.Real("x" + i, 0, 1)).ToArray();
        public static readonly double[] Centre = { 0.7, 0.6, 0.5, 0.2 };

        public SearchPoint Sample(Random random) => new(0, Dims.Select(d => d.Sample(random)).ToArray());

        public SearchPoint Neighbour(SearchPoint point, Random random)
        {
            var values = (double[])point.Values.Clone();
            int d = random.Next(values.Length);
            values[d] = Dims[d].Neighbour(values[d], random);
            return new SearchPoint(0, values);
        }

        public double[] Encode(SearchPoint point) => point.Values;

        public string Key(SearchPoint point) => string.Join(",", point.Values);

        public bool MayBeFeasible(SearchPoint point) => point.Values[3] <= 0.8;

        public static Observation Evaluate(SearchPoint point, CancellationToken _)
        {
            double objective = -point.Values.Select((v, i) => (v - Centre[i]) * (v - Centre[i])).Sum();
            return new Observation(objective, point.Values[0] + point.Values[1] <= 1.0);
        }
    }

    private static double BestFeasible(bool guided, int seed, int parallel = 1)
    {
        var steps = BayesianOptimizer.Run(new Bowl(), new SearchSettings(30, 8, seed, Parallelism: parallel, Guided: guided) { RandomCandidates = 300 },
            [], Bowl.Evaluate, null, CancellationToken.None);
        return steps.Where(s => s.Result.Evaluated && s.Result.Feasible).Select(s => s.Result.Objective).DefaultIfEmpty(double.NegativeInfinity).Max();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[sorted.Length / 2];
    }

    [Fact]
    public void Guided_search_finds_better_feasible_points_than_random_search_with_the_same_budget()
    {
        var seeds = Enumerable.Range(1, 7).ToArray();
        double guided = Median(seeds.Select(s => BestFeasible(true, s)));
        double random = Median(seeds.Select(s => BestFeasible(false, s)));
        Assert.True(guided > random, $"median best feasible objective: guided {guided}, random {random}");
        Assert.True(guided > -0.15, $"guided median {guided} (random {random}) should approach the constrained optimum -0.045");
    }

    [Fact]
    public void Infeasible_points_are_never_the_best_and_skipped_points_are_not_evaluated()
    {
        var evaluated = new List<SearchPoint>();
        var steps = BayesianOptimizer.Run(new Bowl(), new SearchSettings(20, 5, 3) { RandomCandidates = 200 }, [],
            (p, t) => { lock (evaluated) evaluated.Add(p); return Bowl.Evaluate(p, t); }, null, CancellationToken.None);
        Assert.Equal(20, steps.Count(s => s.Result.Evaluated));
        Assert.All(evaluated, p => Assert.True(p.Values[3] <= 0.8));
        Assert.All(steps.Where(s => !s.Result.Evaluated), s => Assert.True(s.Point.Values[3] > 0.8));
    }

    [Fact]
    public void Parallelism_does_not_change_the_points()
    {
        var one = BayesianOptimizer.Run(new Bowl(), new SearchSettings(16, 4, 5, Parallelism: 1) { RandomCandidates = 200 }, [], Bowl.Evaluate, null, CancellationToken.None);
        var four = BayesianOptimizer.Run(new Bowl(), new SearchSettings(16, 4, 5, Parallelism: 4) { RandomCandidates = 200 }, [], Bowl.Evaluate, null, CancellationToken.None);
        Assert.Equal(one.Select(s => string.Join(",", s.Point.Values)), four.Select(s => string.Join(",", s.Point.Values)));
    }

    [Fact]
    public void The_guided_phase_starts_even_when_every_initial_point_is_feasible_or_infeasible()
    {
        foreach (bool feasible in new[] { true, false })
        {
            var steps = BayesianOptimizer.Run(new Bowl(), new SearchSettings(12, 4, 9) { RandomCandidates = 100 }, [],
                (p, t) => Bowl.Evaluate(p, t) with { Feasible = feasible }, null, CancellationToken.None);
            Assert.Contains(steps, s => s.Guided);
        }
    }

    [Fact]
    public void Fixed_points_come_first()
    {
        var first = new SearchPoint(0, new[] { 0.1, 0.2, 0.3, 0.4 });
        var steps = BayesianOptimizer.Run(new Bowl(), new SearchSettings(6, 2, 1) { RandomCandidates = 50 }, new[] { first }, Bowl.Evaluate, null, CancellationToken.None);
        Assert.Same(first, steps.First(s => s.Result.Evaluated).Point);
    }

    [Fact]
    public void The_surrogate_forest_fits_a_simple_function()
    {
        var random = new Random(1);
        var x = Enumerable.Range(0, 60).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToList();
        var y = x.Select(v => v[0] > 0.5 ? 1.0 : 0.0).ToList();
        var forest = RegressionForest.Fit(x, y, 1);
        Assert.True(forest.Predict(new[] { 0.9, 0.5 }).Mean > 0.8);
        Assert.True(forest.Predict(new[] { 0.1, 0.5 }).Mean < 0.2);
    }
}
