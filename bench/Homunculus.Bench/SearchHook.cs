using System.Collections.Concurrent;
using Homunculus.Compiler.Pipeline;
using Homunculus.Compiler.Spec;
using Newtonsoft.Json.Linq;

namespace Homunculus.Bench;

public enum SearchStrategy
{
    /// <summary>Random sampling of the same design space with the same trial budget (`"strategy": "random"`).</summary>
    Random,

    /// <summary>The compiler's constrained Bayesian optimization (`"strategy": "bayesian"`, the default).</summary>
    Ours,
}

/// <summary>One search of an application's design space (every family allowed), Trials trials, one seed; scratch files go to Folder.</summary>
public sealed record SearchRequest(Application App, SearchStrategy Strategy, int Trials, int Seed, string Folder);

/// <summary>One trial, in the order the search ran them: its validation objective (the application's, fixed-point model) and whether the cost model accepted it.</summary>
public sealed record SearchTrial(int Index, string Algorithm, string Configuration, double ValidationScore, bool Feasible);

/// <summary>The chosen model (compiled, with its test metrics and figures), every trial, the wall-clock time.</summary>
public sealed record SearchOutcome(CompileOutcome? Best, IReadOnlyList<SearchTrial> Trials, TimeSpan Elapsed);

public interface ISearchRunner
{
    SearchOutcome Run(SearchRequest request);
}

/// <summary>
/// The ONE place where the search suites meet the compiler's search (Homunculus.Compiler/Search,
/// docs/search.md): <see cref="CompilerSearchRunner"/> writes the application's .hspec with every
/// family in "algorithms" and a "search" block (trials, seed, strategy), compiles it in process and
/// maps the compiler's trial log to <see cref="SearchTrial"/>s.
/// </summary>
public static class SearchHook
{
    public static ISearchRunner? Available { get; } = new CompilerSearchRunner();

    public static string PendingReason => "search (bench/Homunculus.Bench/SearchHook.cs is not wired to the compiler's search)";
}

/// <summary>
/// Runs a search through <c>Compilation.Run</c> (no cache: every trial trains; the lock file is bypassed).
/// The .hspec writes no "model" settings, so both strategies start from the same empty design space:
/// ours (constrained BO: random points until "initialTrials", then the surrogate) and random search
/// ("strategy": "random") with the same trial budget and seed. Outcomes are memoized per request
/// (application, strategy, budget, seed), so the quality suite's search rows and the search suite share
/// one set of searches within a run.
/// </summary>
public sealed class CompilerSearchRunner : ISearchRunner
{
    private readonly ConcurrentDictionary<(string App, SearchStrategy Strategy, int Trials, int Seed), SearchOutcome> _done = new();

    /// <summary>Every family the compiler has (the quality suite's list).</summary>
    public static IReadOnlyList<string> Algorithms => QualitySuite.Families;

    public static JObject Spec(Application app, SearchStrategy strategy, int trials, int seed)
    {
        var spec = app.BaseSpec();
        spec["algorithms"] = new JArray(Algorithms);
        spec["seed"] = seed;
        spec["search"] = new JObject
        {
            ["trials"] = trials,
            ["strategy"] = strategy == SearchStrategy.Random ? SearchSpec.RandomStrategy : SearchSpec.BayesianStrategy,
        };
        return spec;
    }

    public SearchOutcome Run(SearchRequest request) =>
        _done.GetOrAdd((request.App.Id, request.Strategy, request.Trials, request.Seed), _ => Search(request));

    private static SearchOutcome Search(SearchRequest request)
    {
        var spec = Spec(request.App, request.Strategy, request.Trials, request.Seed);
        string name = $"{request.App.Id}-search-{request.Strategy.ToString().ToLowerInvariant()}-{request.Trials}-{request.Seed}";
        var outcome = InProcessCompiler.Compile(spec, request.Folder, name, forceSearch: true);
        var trials = outcome.Trials.Select(t => new SearchTrial(
            t.Number,
            t.Outcome.Config.Algorithm,
            $"{t.Outcome.Config.Features.Count} features; {t.Outcome.Config.DescribeSettings()}",
            Application.Of(t.Outcome.Candidate.FixedValidation, request.App.Objective),
            t.Outcome.Feasible)).ToList();
        Console.WriteLine($"  {request.App.Id} {(request.Strategy == SearchStrategy.Ours ? "our search" : "random search")} ({request.Trials} trials) seed {request.Seed}: "
            + (outcome.Success ? $"{outcome.Summary}; test {string.Join(", ", request.App.Metrics.Select(m => $"{Application.MetricName(m)} {Fmt.F(Application.Of(outcome.FixedTest!, m))}"))}" : outcome.Error)
            + $" ({outcome.Elapsed.TotalSeconds:F1} s)");
        return new SearchOutcome(outcome.Success ? outcome : null, trials, outcome.Elapsed);
    }
}
