using System;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Pipeline;

namespace Homunculus.Compiler.Tests.Support;

/// <summary>A throw-away folder holding one .hspec and its data files, compiled in process.</summary>
public sealed class TempProject : IDisposable
{
    public TempProject()
    {
        Root = Path.Combine(Path.GetTempPath(), "hmc-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string SpecPath => Path.Combine(Root, "spec.hspec");

    public string OutputFolder => Path.Combine(Root, "out");

    public string CacheFolder => Path.Combine(Root, "cache");

    public TempProject File(string relative, string content)
    {
        string path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return this;
    }

    public TempProject Spec(string content) => File("spec.hspec", content);

    public CompileResult Compile(string? output = null, bool cache = true) =>
        Compilation.Run(new CompileRequest(SpecPath, output ?? OutputFolder, cache ? CacheFolder : null, Path.Combine(Root, "spec.deps")), default);

    /// <summary>The single diagnostic with <paramref name="code"/>; fails when there is none.</summary>
    public static Diagnostic Single(CompileResult result, string code)
    {
        Assert.False(result.Success);
        var matches = result.Diagnostics.Where(d => d.Descriptor.Code == code).ToList();
        Assert.True(matches.Count >= 1, $"expected {code}, got: {string.Join(" | ", result.Diagnostics)}");
        return matches[0];
    }

    /// <summary>1-based line and column of the first occurrence of <paramref name="needle"/> in a file of the project.</summary>
    public (int Line, int Column) Find(string relative, string needle)
    {
        var lines = System.IO.File.ReadAllLines(Path.Combine(Root, relative));
        for (int i = 0; i < lines.Length; i++)
        {
            int at = lines[i].IndexOf(needle, StringComparison.Ordinal);
            if (at >= 0) return (i + 1, at + 1);
        }
        throw new InvalidOperationException($"'{needle}' not found in {relative}");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A small, learnable two-class data set: class "big" when a + b is large.</summary>
    public static string ToyCsv(int rows = 400, bool header = true, int seed = 1)
    {
        var random = new Random(seed);
        var sb = new System.Text.StringBuilder();
        if (header) sb.Append("a,b,rate,proto,label\n");
        string[] protocols = { "tcp", "udp", "icmp" };
        for (int i = 0; i < rows; i++)
        {
            int a = random.Next(0, 1000);
            int b = random.Next(0, 100000);
            double rate = Math.Round(random.NextDouble(), 2);
            string proto = protocols[random.Next(3)];
            string label = a + b / 100 > 900 || proto == "icmp" ? "big" : "small";
            sb.Append(System.FormattableString.Invariant($"{a},{b},{rate:0.00},{proto},{label}\n"));
        }
        return sb.ToString();
    }

    public const string ToySpec = """
        // a toy program
        {
          "name": "Toy",
          "data": {
            "train": "train.csv",
            "label": "label",
            "classes": { "small": ["small"], "big": "*" }
          },
          "features": ["a", "b", "rate", { "name": "proto", "type": "categorical" }],
          "algorithms": ["dnn"],
          "model": { "dnn": { "hidden": [6, 4], "epochs": 20 } },
          "platform": { "target": "taurus", "latencyNs": 500 },
          "seed": 7
        }
        """;
}
