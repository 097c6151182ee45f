using System;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Pipeline;
using Homunculus.Compiler.Tests.Support;

namespace Homunculus.Compiler.Tests.Search;

/// <summary>The search on the template's NSL-KDD sample against the Taurus paper's hand-tuned 12-6-3 network.</summary>
public sealed class NslKddSearchTests
{
    private static string TemplateSpec => File.ReadAllText(Path.Combine(Repository.Root, "templates", "content", "homunculus", "anomaly.hspec"))
        .Replace("\"$schema\": \"obj/hspec.schema.json\",", "");

    private static TempProject Project(string spec)
    {
        var project = new TempProject().Spec(spec);
        foreach (var file in new[] { "train.csv", "test.csv" })
            project.File("data/" + file, File.ReadAllText(Path.Combine(Repository.Root, "templates", "content", "homunculus", "data", file)));
        return project;
    }

    [Fact]
    public void The_search_beats_the_fixed_12_6_3_baseline_within_the_same_Taurus_budget()
    {
        using var baselineProject = Project(TemplateSpec);   // the fixed 12-6-3 network, no search
        var baseline = baselineProject.Compile(cache: false);
        Assert.True(baseline.Success, string.Join("\n", baseline.Diagnostics));
        double baselineScore = baseline.Trials.Single().Outcome.Candidate.FixedValidation.WeightedF1;

        string searchSpec = TemplateSpec.Replace("\"algorithms\": [\"dnn\"],", "\"algorithms\": [\"dnn\", \"tree\", \"forest\", \"svm\"],\n  \"search\": { \"trials\": 12, \"initialTrials\": 4 },");
        using var searchProject = Project(searchSpec);
        var searched = searchProject.Compile(cache: false);
        Assert.True(searched.Success, string.Join("\n", searched.Diagnostics));
        var best = searched.Trials.Where(t => t.Outcome.Feasible).Max(t => t.Outcome.Candidate.FixedValidation.WeightedF1);
        Assert.True(best > baselineScore, $"search best {best} vs baseline {baselineScore}");
        // The chosen model is the best feasible one and fits the same Taurus budget (grid, latency, line rate).
        Assert.Equal(best, searched.Model is null ? double.NaN : searched.Trials.Where(t => t.Outcome.Feasible).Single(t => t.Outcome.Candidate.Model == searched.Model).Outcome.Candidate.FixedValidation.WeightedF1);
        Assert.All(searched.Model!.Platform.Resources, r => Assert.True(r.Fits, r.Name));
        Assert.Equal(baseline.Model!.Platform.Resources.Select(r => r.Budget), searched.Model.Platform.Resources.Select(r => r.Budget));
    }
}
