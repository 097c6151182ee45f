using Homunculus.Compiler.Pipeline;

namespace Homunculus.Bench;

public enum SearchStrategy
{
    /// <summary>Random sampling of the same design space with the same trial budget.</summary>
    Random,

    /// <summary>The compiler's constrained Bayesian optimization.</summary>
    Ours,
}

/// <summary>One search of an application's design space (every family allowed), Trials trials, one seed; scratch files go to Folder.</summary>
public sealed record SearchRequest(Application App, SearchStrategy Strategy, int Trials, int Seed, string Folder);

/// <summary>One trial, in the order the search ran them: its validation objective and whether the cost model accepted it.</summary>
public sealed record SearchTrial(int Index, string Algorithm, string Configuration, double ValidationScore, bool Feasible);

/// <summary>The chosen model (compiled, with its test metrics and figures), every trial, the wall-clock time.</summary>
public sealed record SearchOutcome(CompileOutcome? Best, IReadOnlyList<SearchTrial> Trials, TimeSpan Elapsed);

public interface ISearchRunner
{
    SearchOutcome Run(SearchRequest request);
}

/// <summary>
/// The ONE place where the search suites meet the compiler's search (Homunculus.Compiler/Search,
/// issue 5). Until it lands, <see cref="Available"/> is null and the quality rows "random search" /
/// "our search" and the whole search-efficiency suite are reported as "pending: search".
/// To plug it in: return an <see cref="ISearchRunner"/> that writes
/// <c>Applications.Spec(app, ...)</c> with every family in "algorithms" plus the search budget
/// (trials, seed, strategy random or BO), runs <c>Compilation.Run</c> (as InProcessCompiler does),
/// and maps the search's trial log to <see cref="SearchTrial"/>s. Nothing else in bench/ changes.
/// </summary>
public static class SearchHook
{
    public static ISearchRunner? Available => null;

    /// <summary>True when the compiler already has a Homunculus.Compiler.Search namespace (then the hook above needs wiring).</summary>
    public static bool SearchCodeExists { get; } = typeof(Compilation).Assembly.GetTypes()
        .Any(t => t.Namespace is { } ns && ns.StartsWith("Homunculus.Compiler.Search", StringComparison.Ordinal));

    public static string PendingReason => SearchCodeExists
        ? "search (Homunculus.Compiler.Search exists but bench/Homunculus.Bench/SearchHook.cs is not wired to it yet)"
        : "search (constrained BO, issue 5, has not landed)";
}
