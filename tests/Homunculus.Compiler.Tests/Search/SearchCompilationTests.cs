using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Caching;
using Homunculus.Compiler.Pipeline;
using Homunculus.Compiler.Tests.Support;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Tests.Search;

/// <summary>The design-space search through the whole compiler: determinism, cache, warm start, lock, cancellation.</summary>
public sealed class SearchCompilationTests
{
    /// <summary>The toy program with a small search over a network, a tree and k-means.</summary>
    private static string ToySearch(int trials = 8, string extra = "") => TempProject.ToySpec
        .Replace("\"algorithms\": [\"dnn\"],", $"\"algorithms\": [\"dnn\", \"tree\", \"kmeans\"],\n  \"search\": {{ \"trials\": {trials}, \"initialTrials\": 4 {extra} }},")
        .Replace("\"hidden\": [6, 4], \"epochs\": 20", "\"hidden\": [6, 4], \"epochs\": 10");

    private static CompileResult Compile(TempProject project, bool force = false, CancellationToken cancellation = default, Action<string>? progress = null, bool cache = true) =>
        Compilation.Run(new CompileRequest(project.SpecPath, project.OutputFolder, cache ? project.CacheFolder : null, Path.Combine(project.Root, "spec.deps"))
        {
            ForceSearch = force,
            Progress = progress,
        }, cancellation);

    private static void AssertSameOutputs(CompileResult a, CompileResult b)
    {
        Assert.Equal(a.Files!.Keys, b.Files!.Keys);
        foreach (var key in a.Files.Keys) Assert.True(a.Files[key] == b.Files[key], $"{key} differs");
    }

    [Fact]
    public void A_search_is_deterministic_and_parallelism_does_not_change_it()
    {
        using var a = new TempProject().Spec(ToySearch(extra: ", \"parallel\": 1")).File("train.csv", TempProject.ToyCsv(300));
        using var b = new TempProject().Spec(ToySearch(extra: ", \"parallel\": 4")).File("train.csv", TempProject.ToyCsv(300));
        var first = Compile(a, cache: false);
        var second = Compile(b, cache: false);
        Assert.True(first.Success, string.Join("\n", first.Diagnostics));
        Assert.Equal(8, first.Trials.Count);
        Assert.Equal(first.Trials.Select(t => t.Outcome.Config.Key), second.Trials.Select(t => t.Outcome.Config.Key));
        // The report names the spec's parallelism nowhere: outputs are byte-identical.
        AssertSameOutputs(first, second);
        Assert.Contains("report.html", first.Files!.Keys);
        Assert.Contains("<svg", first.Files["report.svg"]);
        Assert.Contains("### Trials", first.Files["report.md"]);
        Assert.All(first.Trials, t => Assert.False(t.Outcome.Recorded));
        Assert.Equal(Proposal.Fixed, first.Trials[0].Proposal);   // the .hspec's own dnn settings come first
    }

    [Fact]
    public void Recorded_trials_are_reused_and_give_the_same_outputs()
    {
        using var project = new TempProject().Spec(ToySearch()).File("train.csv", TempProject.ToyCsv(300));
        var lines = new List<string>();
        var first = Compile(project, progress: lines.Add);
        Assert.True(first.Success, string.Join("\n", first.Diagnostics));
        Assert.Equal(8, lines.Count(l => l.StartsWith("trial ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("trial 1/8: dnn, all 4 features, ", StringComparison.Ordinal) && l.Contains("validation weighted-f1") && l.Contains("; best "));

        // Forced search: no output cache, no lock; every trial comes from the trial store.
        var second = Compile(project, force: true);
        Assert.True(second.Success);
        Assert.Equal(first.Trials.Count, second.Trials.Count);
        Assert.All(second.Trials, t => Assert.True(t.Outcome.Recorded, "retrained " + t.Outcome.Config));
        AssertSameOutputs(first, second);
    }

    [Fact]
    public void The_lock_file_is_used_until_the_data_changes_or_a_search_is_forced()
    {
        using var project = new TempProject().Spec(ToySearch()).File("train.csv", TempProject.ToyCsv(300));
        var searched = Compile(project);
        Assert.True(searched.Success);
        string lockPath = project.SpecPath + ".lock";
        Assert.True(File.Exists(lockPath));
        var lockJson = JObject.Parse(File.ReadAllText(lockPath));
        Assert.Equal(searched.Model!.Algorithm, (string?)lockJson["configuration"]!["algorithm"]);

        var locked = Compile(project);
        Assert.True(locked.Success);
        Assert.False(locked.FromCache);   // the lock file is part of the output cache's key
        Assert.Single(locked.Trials);
        Assert.Equal(Proposal.Lock, locked.Trials[0].Proposal);
        Assert.True(locked.Trials[0].Outcome.Recorded);   // and its model was recorded by the search
        Assert.Equal(searched.Files!["model.json"], locked.Files!["model.json"]);
        Assert.Contains("configuration from the lock file", locked.Summary);
        Assert.Contains(lockPath, File.ReadAllText(Path.Combine(project.Root, "spec.deps")));

        Assert.True(Compile(project, force: true).Trials.Count > 1);

        project.File("train.csv", TempProject.ToyCsv(300, seed: 2));
        var changed = Compile(project);
        Assert.True(changed.Trials.Count > 1);   // the lock's data hash no longer matches: search again
        Assert.NotEqual(lockJson["data"]!.ToString(), JObject.Parse(File.ReadAllText(lockPath))["data"]!.ToString());
    }

    [Fact]
    public void After_a_data_change_the_previous_best_configurations_are_tried_first()
    {
        using var project = new TempProject().Spec(ToySearch()).File("train.csv", TempProject.ToyCsv(300));
        var first = Compile(project);
        Assert.True(first.Success);
        File.Delete(project.SpecPath + ".lock");
        project.File("train.csv", TempProject.ToyCsv(300, seed: 3));
        var second = Compile(project);
        Assert.True(second.Success);
        var warm = second.Trials.Where(t => t.Proposal == Proposal.WarmStart).Select(t => t.Outcome.Config.Key).ToList();
        Assert.NotEmpty(warm);
        var bestBefore = first.Trials.Where(t => t.Outcome.Feasible)
            .OrderByDescending(t => t.Outcome.Candidate.FixedValidation.WeightedF1).ThenBy(t => t.Number).First().Outcome.Config.Key;
        Assert.Contains(bestBefore, warm);
        // Right after the .hspec's own settings.
        Assert.Equal(Proposal.WarmStart, second.Trials[1].Proposal);
        Assert.All(second.Trials, t => Assert.False(t.Outcome.Recorded));   // new data: everything retrained

        // The warm start is fixed for the new data, so a rebuild repeats the same sequence from the records.
        var again = Compile(project, force: true);
        Assert.Equal(second.Trials.Select(t => t.Outcome.Config.Key), again.Trials.Select(t => t.Outcome.Config.Key));
        Assert.All(again.Trials, t => Assert.True(t.Outcome.Recorded));
    }

    [Fact]
    public void A_cancelled_search_leaves_whole_records_and_the_next_build_resumes_with_the_same_result()
    {
        using var reference = new TempProject().Spec(ToySearch(trials: 12)).File("train.csv", TempProject.ToyCsv(300));
        var expected = Compile(reference, cache: false);
        Assert.True(expected.Success);

        using var project = new TempProject().Spec(ToySearch(trials: 12)).File("train.csv", TempProject.ToyCsv(300));
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => Compile(project, cancellation: cancel.Token, progress: line =>
        {
            if (line.StartsWith("trial ", StringComparison.Ordinal) && ++seen == 5) cancel.Cancel();
        }));
        Assert.False(File.Exists(Path.Combine(project.OutputFolder, "model.json")));
        Assert.False(File.Exists(project.SpecPath + ".lock"));
        var records = Directory.GetFiles(Path.Combine(project.CacheFolder, TrialStore.FolderName), "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(records, r => r.EndsWith(".tmp", StringComparison.Ordinal));
        var trialFiles = records.Where(r => Path.GetFileName(r).Length == 37).ToList();
        Assert.True(trialFiles.Count >= 5, $"{trialFiles.Count} trials recorded");
        foreach (var record in trialFiles) JObject.Parse(File.ReadAllText(record));   // whole JSON

        var resumed = Compile(project);
        Assert.True(resumed.Success, string.Join("\n", resumed.Diagnostics));
        Assert.True(resumed.Trials.Count(t => t.Outcome.Recorded) >= 5);
        AssertSameOutputs(expected, resumed);
    }

    [Fact]
    public void No_feasible_candidate_is_an_error_naming_the_closest_and_what_they_broke()
    {
        using var project = new TempProject().Spec(ToySearch(trials: 4).Replace("\"latencyNs\": 500", "\"latencyNs\": 20")).File("train.csv", TempProject.ToyCsv(200));
        var result = Compile(project, cache: false);
        var error = TempProject.Single(result, "HMC2007");
        Assert.Contains("no candidate fits taurus", error.Message);
        Assert.Contains("closest: ", error.Message);
        Assert.Matches(@"latency [0-9.]+ ns over the budget 20 ns by [0-9.]+ \([0-9.]+%\)", error.Message);
        Assert.False(File.Exists(project.SpecPath + ".lock"));
    }

    [Fact]
    public void Search_settings_are_checked()
    {
        using var project = new TempProject().Spec(ToySearch(extra: ", \"trails\": 3")).File("train.csv", TempProject.ToyCsv(100));
        var d = TempProject.Single(Compile(project, cache: false), "HMC0004");
        Assert.Contains("did you mean 'trials'", d.Message);
        project.Spec(ToySearch(trials: 0));
        Assert.Contains("search.trials", TempProject.Single(Compile(project, cache: false), "HMC0005").Message);
    }

    [Fact]
    public void Random_strategy_samples_every_point_after_the_fixed_ones_at_random()
    {
        using var random = new TempProject().Spec(ToySearch(extra: ", \"strategy\": \"random\"")).File("train.csv", TempProject.ToyCsv(300));
        using var guided = new TempProject().Spec(ToySearch()).File("train.csv", TempProject.ToyCsv(300));
        var r = Compile(random, cache: false);
        var g = Compile(guided, cache: false);
        Assert.True(r.Success, string.Join("\n", r.Diagnostics));
        Assert.True(g.Success, string.Join("\n", g.Diagnostics));
        Assert.Equal(8, r.Trials.Count);
        Assert.Equal(Proposal.Fixed, r.Trials[0].Proposal);   // the .hspec's own settings still come first
        Assert.All(r.Trials.Skip(1), t => Assert.Equal(Proposal.Random, t.Proposal));
        Assert.Contains(g.Trials, t => t.Proposal == Proposal.Model);   // the default strategy hands over to the surrogate
        Assert.True(File.Exists(random.SpecPath + ".lock"));
        Assert.Contains("Random search", r.Files!["report.md"]);
        Assert.DoesNotContain("Random search", g.Files!["report.md"]);

        random.Spec(ToySearch(extra: ", \"strategy\": \"grid\""));
        Assert.Contains("must be one of bayesian, random", TempProject.Single(Compile(random, cache: false), "HMC0005").Message);
    }

    [Fact]
    public void Without_search_each_algorithm_is_one_trial_on_all_features_and_no_lock_is_written()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(200));
        var result = Compile(project, cache: false);
        Assert.True(result.Success);
        var trial = Assert.Single(result.Trials);
        Assert.Equal(Proposal.Fixed, trial.Proposal);
        Assert.Equal(4, trial.Outcome.Config.Features.Count);
        Assert.False(File.Exists(project.SpecPath + ".lock"));
    }
}
