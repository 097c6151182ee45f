using System;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Caching;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Pipeline;

public sealed class CompilationTests
{
    [Fact]
    public void Same_inputs_and_seed_give_byte_identical_outputs()
    {
        using var a = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(300));
        using var b = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(300));
        var first = a.Compile(cache: false);
        var second = b.Compile(cache: false);
        Assert.True(first.Success && second.Success);
        Assert.Equal(first.Files!.Keys, second.Files!.Keys);
        foreach (var key in first.Files.Keys) Assert.Equal(first.Files[key], second.Files[key]);
    }

    [Fact]
    public void Expected_outputs_are_written()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(300));
        var result = project.Compile();
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        foreach (var file in new[] { "model.json", "report.md", "bmv2/toy.p4", "taurus/Toy.scala" })
            Assert.True(File.Exists(Path.Combine(project.OutputFolder, file)), file);
        var model = ModelFileJson.Deserialize(File.ReadAllText(Path.Combine(project.OutputFolder, "model.json")));
        Assert.Equal(result.Model, model);
        Assert.Equal("spec.hspec", model.SpecFile);
        Assert.Equal(new[] { "small", "big" }, model.Classes.Select(c => c.Name));
    }

    [Fact]
    public void Unchanged_inputs_come_from_the_cache_and_leave_files_untouched()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(300));
        Assert.False(project.Compile().FromCache);
        string model = Path.Combine(project.OutputFolder, "model.json");
        var stamp = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(model, stamp);

        var again = project.Compile();
        Assert.True(again.Success);
        Assert.True(again.FromCache);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(model));   // content equal: not rewritten
    }

    [Fact]
    public void Comments_and_formatting_do_not_invalidate_the_cache_but_settings_do()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(300));
        Assert.False(project.Compile().FromCache);
        project.Spec("// reformatted\n" + TempProject.ToySpec.Replace("\n", "\n\n"));
        Assert.True(project.Compile().FromCache);
        project.Spec(TempProject.ToySpec.Replace("\"seed\": 7", "\"seed\": 8"));
        Assert.False(project.Compile().FromCache);
    }

    [Fact]
    public void Returning_to_earlier_data_reuses_the_cached_result()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(300, seed: 1));
        var first = project.Compile();
        project.File("train.csv", TempProject.ToyCsv(300, seed: 2));
        var second = project.Compile();
        Assert.False(second.FromCache);
        Assert.NotEqual(first.Files!["model.json"], second.Files!["model.json"]);
        project.File("train.csv", TempProject.ToyCsv(300, seed: 1));
        var third = project.Compile();
        Assert.True(third.FromCache);
        Assert.Equal(first.Files["model.json"], File.ReadAllText(Path.Combine(project.OutputFolder, "model.json")));
    }

    [Fact]
    public void A_half_written_cache_entry_is_never_used()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(300));
        // What an interrupted compilation leaves behind: only a temporary folder.
        Directory.CreateDirectory(Path.Combine(project.CacheFolder, ".deadbeef.1.tmp"));
        var result = project.Compile();
        Assert.True(result.Success);
        Assert.False(result.FromCache);
        Assert.Single(Directory.GetDirectories(project.CacheFolder), d => !Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void Files_no_longer_produced_are_removed()
    {
        using var project = new TempProject();
        OutputFolder.Write(project.OutputFolder, new System.Collections.Generic.Dictionary<string, byte[]> { ["a.txt"] = "a"u8.ToArray(), ["sub/b.txt"] = "b"u8.ToArray() });
        OutputFolder.Write(project.OutputFolder, new System.Collections.Generic.Dictionary<string, byte[]> { ["a.txt"] = "a2"u8.ToArray() });
        Assert.Equal("a2", File.ReadAllText(Path.Combine(project.OutputFolder, "a.txt")));
        Assert.False(File.Exists(Path.Combine(project.OutputFolder, "sub", "b.txt")));
    }

    [Fact]
    public void Holdout_is_used_when_no_test_file_is_given()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(500));
        var result = project.Compile();
        Assert.True(result.Success);
        Assert.Contains("stratified holdout", result.Files!["report.md"]);
    }

    [Fact]
    public void Headerless_data_with_declared_columns_and_a_test_file()
    {
        var spec = TempProject.ToySpec
            .Replace("\"train\": \"train.csv\",", "\"train\": \"train.csv\", \"test\": \"test.csv\", \"hasHeader\": false, \"columns\": [\"a\", \"b\", \"rate\", \"proto\", \"label\"],");
        string Strip(string csv) => csv.Substring(csv.IndexOf('\n') + 1).Replace("\n", "\r\n");
        using var project = new TempProject().Spec(spec)
            .File("train.csv", Strip(TempProject.ToyCsv(300, seed: 3)))
            .File("test.csv", Strip(TempProject.ToyCsv(100, seed: 4)));
        var result = project.Compile();
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("tested on 100 rows (the test file)", result.Files!["report.md"]);
    }
}
