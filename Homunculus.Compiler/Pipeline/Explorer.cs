using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Caching;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Search;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Training;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Pipeline;

/// <summary>How a trial's configuration was proposed.</summary>
public enum Proposal
{
    /// <summary>Written in the .hspec ("model.&lt;name&gt;"), or a family's defaults without a search.</summary>
    Fixed,
    /// <summary>One of the best configurations of the previous search, after the data changed.</summary>
    WarmStart,
    /// <summary>From the lock file.</summary>
    Lock,
    /// <summary>A random point of the design space.</summary>
    Random,
    /// <summary>Proposed by the surrogate model (expected improvement x probability of feasibility).</summary>
    Model,
}

/// <summary>One trained (or recorded) trial, numbered in the order the search took the results.</summary>
public sealed record TrialRecord(int Number, TrialOutcome Outcome, Proposal Proposal);

/// <summary>What the exploration did: the trials, the candidates skipped before training, the choice.</summary>
public sealed record Exploration(
    string Mode,
    IReadOnlyList<TrialRecord> Trials,
    IReadOnlyList<(TrialConfig Config, IReadOnlyList<ResourceFigure> Figures)> Skipped,
    TrialRecord Chosen,
    int FeatureCount,
    SearchSpec? Search,
    IReadOnlyList<(string Feature, double Information)> FeatureRanking)
{
    public string Summary(Objective objective)
    {
        var c = Chosen.Outcome;
        string choice = $"{c.Config.Describe(FeatureCount)}: validation {objective.Metric} {Number(objective.Of(c.Candidate.FixedValidation))}, test {Number(objective.Of(c.Candidate.FixedTest))}";
        int recorded = Trials.Count(t => t.Outcome.Recorded);
        string work = Mode switch
        {
            "search" => $"searched {Trials.Count} trials ({Trials.Count - recorded} trained, {recorded} recorded earlier, {Skipped.Count} skipped before training, {Trials.Count(t => t.Outcome.Feasible)} feasible)",
            "lock" => "configuration from the lock file (no search)",
            _ => $"trained {Trials.Count - recorded} of {Trials.Count} configurations ({recorded} recorded earlier)",
        };
        return $"{work}; chose {choice}";
    }

    internal static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}

/// <summary>
/// Decides what to train and trains it: without "search", each algorithm once with its settings; with it,
/// the locked configuration when the lock file matches, else the design-space search (constrained Bayesian
/// optimization). Reports one line per trial, chooses the best feasible trial on the validation rows,
/// and reports HMC2003 (fixed settings) or HMC2007 (search) when nothing fits.
/// </summary>
public sealed class Explorer
{
    /// <summary>Points proposed and evaluated together (a constant: parallelism never changes results).</summary>
    public const int BatchSize = 4;

    /// <summary>Best configurations of a search kept for warm-starting the next one.</summary>
    public const int WarmStartCount = 4;

    private readonly HSpec _spec;
    private readonly LoadedData _data;
    private readonly TrainingSet _set;
    private readonly Objective _objective;
    private readonly TrialRunner _runner;
    private readonly TrialStore? _store;
    private readonly string _dataHash;
    private readonly CompileRequest _request;
    private readonly object _gate = new();
    private double _best = double.NaN;

    public Explorer(HSpec spec, LoadedData data, TrainingSet set, Objective objective, TrialRunner runner, TrialStore? store, string dataHash, CompileRequest request)
    {
        _spec = spec;
        _data = data;
        _set = set;
        _objective = objective;
        _runner = runner;
        _store = store;
        _dataHash = dataHash;
        _request = request;
    }

    private IReadOnlyList<string> AllFeatures => _runner.FeatureNames;

    private int FeatureCount => _data.Features.Count;

    public Exploration? Run(DiagnosticBag diagnostics, CancellationToken cancellation)
    {
        if (_spec.Search is null) return RunFixed(diagnostics, cancellation);
        if (!_request.ForceSearch && LockFile.Read(_spec) is { } lockFile)
        {
            if (lockFile.DataHash == _dataHash && _spec.Algorithms.Contains(lockFile.Config.Algorithm) && _runner.Accepts(lockFile.Config))
            {
                var outcome = _runner.Run(lockFile.Config, cancellation);
                var record = new TrialRecord(1, outcome, Proposal.Lock);
                Progress(record, 1, "from the lock file");
                if (outcome.Feasible)
                    return new Exploration("lock", new[] { record }, [], record, FeatureCount, _spec.Search, []);
                _request.Progress?.Invoke($"the configuration of {Path.GetFileName(LockFile.PathFor(_spec))} no longer fits the target: searching again");
            }
            else _request.Progress?.Invoke($"{Path.GetFileName(LockFile.PathFor(_spec))} does not match the data or the .hspec: searching again");
        }
        return RunSearch(diagnostics, cancellation);
    }

    private Exploration? RunFixed(DiagnosticBag diagnostics, CancellationToken cancellation)
    {
        var trials = new List<TrialRecord>();
        foreach (var algorithm in _spec.Algorithms)
        {
            var config = new TrialConfig(algorithm, FamilySpaces.ToJson(_spec.Settings[algorithm]), AllFeatures);
            var outcome = _runner.Run(config, cancellation);
            cancellation.ThrowIfCancellationRequested();
            var record = new TrialRecord(trials.Count + 1, outcome, Proposal.Fixed);
            trials.Add(record);
            Progress(record, _spec.Algorithms.Count, null);
        }
        var chosen = Choose(trials);
        if (chosen is null)
        {
            foreach (var trial in trials)
                foreach (var figure in trial.Outcome.Candidate.Figures.Where(f => !f.Fits))
                {
                    string budget = (figure.AtLeast ? "at least " : "at most ") + $"{figure.Budget} {figure.Unit}";
                    diagnostics.Report(DiagnosticCatalog.OverBudget, _spec.Platform.TargetLocation, $"{_spec.Platform.Target} ({trial.Outcome.Config.Algorithm})", figure.Name, $"{figure.Value} {figure.Unit}", budget);
                }
            return null;
        }
        return new Exploration("fixed", trials, [], chosen, FeatureCount, null, []);
    }

    private Exploration? RunSearch(DiagnosticBag diagnostics, CancellationToken cancellation)
    {
        var search = _spec.Search!;
        var ranking = Search.FeatureRanking.Rank(_data.Features, _set.Train, _data.Classes.Count);
        var families = _spec.Algorithms.Select(a => ModelFamilies.Find(a)!).ToList();
        var space = new DesignSpace(families, AllFeatures, ranking.Order, search.FeatureSelection, TrialRunner.Normalize, _runner.MayBeFeasible, _spec.ClassifyAtChoices);

        // First: the settings the .hspec writes out (the baseline), then the warm start.
        var first = new List<(SearchPoint Point, Proposal Proposal)>();
        foreach (var algorithm in _spec.Algorithms.Where(_spec.ExplicitSettings.Contains))
        {
            var config = new TrialConfig(algorithm, FamilySpaces.ToJson(_spec.Settings[algorithm]), AllFeatures);
            if (space.PointOf(config) is { } point) first.Add((point, Proposal.Fixed));
        }
        foreach (var config in WarmStart())
            if (space.PointOf(config) is { } point) first.Add((point, Proposal.WarmStart));
        var proposals = first.ToDictionary(f => space.Key(f.Point), f => f.Proposal, StringComparer.Ordinal);

        var settings = new SearchSettings(
            search.Trials,
            search.InitialTrialsOrDefault,
            search.Seed ?? _spec.Seed,
            BatchSize,
            search.Parallel ?? Environment.ProcessorCount,
            search.TimeLimitSeconds is double seconds ? TimeSpan.FromSeconds(seconds) : null,
            search.Guided);

        var outcomes = new ConcurrentDictionary<string, TrialOutcome>(StringComparer.Ordinal);
        var failures = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var trials = new List<TrialRecord>();
        var skipped = new List<(TrialConfig, IReadOnlyList<ResourceFigure>)>();
        Observation Evaluate(SearchPoint point, CancellationToken token)
        {
            var config = space.ConfigOf(point)!;
            try
            {
                var outcome = _runner.Run(config, token);
                outcomes[config.Key] = outcome;
                return new Observation(_objective.Of(outcome.Candidate.FixedValidation), outcome.Feasible);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A configuration the trainer cannot handle counts as an infeasible trial with no model.
                failures[config.Key] = e.Message;
                return new Observation(0, false);
            }
        }
        void Report(SearchStep step)
        {
            var config = space.ConfigOf(step.Point)!;
            if (!step.Result.Evaluated)
            {
                skipped.Add((config, _runner.StructuralFigures(config) ?? []));
                return;
            }
            if (!outcomes.TryGetValue(config.Key, out var outcome))
            {
                _request.Progress?.Invoke($"trial {step.Trial}/{search.Trials}: {config.Describe(FeatureCount)}: training failed ({failures.GetValueOrDefault(config.Key)})");
                return;
            }
            var proposal = proposals.TryGetValue(config.Key, out var p) ? p : step.Guided ? Proposal.Model : Proposal.Random;
            var record = new TrialRecord(trials.Count + 1, outcome, proposal);
            trials.Add(record);
            Progress(record, search.Trials, null);
        }

        BayesianOptimizer.Run(space, settings, first.Select(f => f.Point).ToList(), Evaluate, Report, cancellation);

        cancellation.ThrowIfCancellationRequested();   // a cancelled search writes no lock file
        var chosen = Choose(trials);
        if (chosen is null)
        {
            ReportNothingFits(trials, skipped, diagnostics);
            return null;
        }
        RememberBest(trials);
        new LockFile(_dataHash, chosen.Outcome.Config, _objective.Metric, _objective.Of(chosen.Outcome.Candidate.FixedValidation)).Write(_spec);
        var information = ranking.Order.Select(f => (_data.Features[f].Name, ranking.Information[f])).ToList();
        return new Exploration("search", trials, skipped, chosen, FeatureCount, search, information);
    }

    /// <summary>The best feasible trial on the validation rows (the earliest on ties); null when none fits.</summary>
    private TrialRecord? Choose(IReadOnlyList<TrialRecord> trials)
    {
        TrialRecord? best = null;
        foreach (var trial in trials.Where(t => t.Outcome.Feasible))
            if (best is null || _objective.Of(trial.Outcome.Candidate.FixedValidation) > _objective.Of(best.Outcome.Candidate.FixedValidation)) best = trial;
        return best;
    }

    /// <summary>
    /// The warm start of this trial context: fixed at the context's first search (so rebuilds repeat the
    /// same sequence and reuse every recorded trial), taken from the best configurations of the program's
    /// previous search when that ran on other data or settings.
    /// </summary>
    private IReadOnlyList<TrialConfig> WarmStart()
    {
        if (_store is null) return [];
        var list = _store.ReadWarmStart();
        if (list is null)
        {
            list = new JArray();
            if (_store.ReadLatestBest(ProgramKey) is { } latest && latest.Context != _store.Context) list = latest.Configurations;
            _store.WriteWarmStart(list);
            list = _store.ReadWarmStart() ?? list;   // another build may have fixed it first
        }
        return list.Select(TrialConfig.FromJson).OfType<TrialConfig>()
            .Where(c => _spec.Algorithms.Contains(c.Algorithm) && _runner.Accepts(c)).ToList();
    }

    private void RememberBest(IReadOnlyList<TrialRecord> trials)
    {
        var best = trials.Where(t => t.Outcome.Feasible)
            .OrderByDescending(t => _objective.Of(t.Outcome.Candidate.FixedValidation)).ThenBy(t => t.Number)
            .Take(WarmStartCount).Select(t => (JToken)t.Outcome.Config.ToJson());
        _store?.WriteLatestBest(ProgramKey, new JArray(best));
    }

    private string ProgramKey => ContentCache.Key(new[] { _spec.LockPath ?? Path.GetFullPath(_spec.SpecPath) }).Substring(0, 24);

    private void ReportNothingFits(IReadOnlyList<TrialRecord> trials, IReadOnlyList<(TrialConfig Config, IReadOnlyList<ResourceFigure> Figures)> skipped, DiagnosticBag diagnostics)
    {
        var all = trials.Select(t => (t.Outcome.Config, t.Outcome.Candidate.Figures, Trained: true))
            .Concat(skipped.Select(s => (s.Config, s.Figures, Trained: false)))
            .Where(t => t.Figures.Any(f => !f.Fits))
            .OrderBy(t => t.Figures.Where(f => !f.Fits).Max(Excess)).ThenBy(t => t.Config.Key, StringComparer.Ordinal)
            .Take(3)
            .Select(t => $"{t.Config.Describe(FeatureCount)}{(t.Trained ? "" : " (estimated before training)")}: "
                + string.Join(", ", t.Figures.Where(f => !f.Fits).Select(f =>
                    $"{f.Name} {Exploration.Number(f.Value)} {f.Unit} {(f.AtLeast ? "below" : "over")} the budget {Exploration.Number(f.Budget!.Value)} {f.Unit} by {Exploration.Number(Math.Abs(f.Value - f.Budget.Value))} ({Exploration.Number(100 * Excess(f))}%)")))
            .ToList();
        string closest = all.Count == 0 ? "no candidate could be trained" : string.Join("; ", all);
        diagnostics.Report(DiagnosticCatalog.NoFeasibleModel, _spec.Platform.TargetLocation, _spec.Platform.Target, trials.Count, skipped.Count, closest);
    }

    /// <summary>How far a figure is over its budget, relative to the budget.</summary>
    private static double Excess(ResourceFigure f) =>
        f.Budget is not double budget || f.Fits ? 0 : budget == 0 ? double.MaxValue : Math.Abs(f.Value - budget) / budget;

    private void Progress(TrialRecord record, int total, string? note)
    {
        var outcome = record.Outcome;
        double score = _objective.Of(outcome.Candidate.FixedValidation);
        string best;
        lock (_gate)
        {
            if (outcome.Feasible && (double.IsNaN(_best) || score > _best)) _best = score;
            best = double.IsNaN(_best) ? "none feasible yet" : Exploration.Number(_best);
        }
        string fit = outcome.Feasible ? "fits" : "does not fit (" + string.Join(", ", outcome.Candidate.Figures.Where(f => !f.Fits).Select(f =>
            $"{f.Name} {Exploration.Number(f.Value)} {f.Unit} {(f.AtLeast ? "<" : ">")} {Exploration.Number(f.Budget!.Value)}")) + ")";
        string origin = note ?? (outcome.Recorded ? "recorded" : null) ?? "";
        _request.Progress?.Invoke($"trial {record.Number}/{total}: {outcome.Config.Describe(FeatureCount)}: validation {_objective.Metric} {Exploration.Number(score)}, {fit}; best {best}{(origin.Length > 0 ? $" ({origin})" : "")}");
    }
}
