using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using CsCheck;
using Homunculus.Compiler.Pipeline;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Robustness;

/// <summary>
/// Property: whatever a user does to a valid .hspec or data file, the compiler answers with success or
/// with HMC diagnostics - never an exception, a stack trace, or a partial output.
/// </summary>
public sealed class MutationTests
{
    private const string Spec = """
        // mutated by the test
        {
          "name": "Toy",
          "data": { "train": "train.csv", "test": "test.csv", "label": "label", "classes": { "small": ["small"], "big": "*" } },
          "features": ["a", "b", { "name": "rate", "type": "fractional" }, { "name": "proto", "type": "categorical" }],
          "objective": "weighted-f1",
          "algorithms": ["dnn"],
          "model": { "dnn": { "hidden": [2], "epochs": 2, "batchSize": 16 } },
          "platform": { "target": "taurus", "latencyNs": 500 },
          "seed": 3
        }
        """;

    private static readonly string[] Insertions =
    {
        "", "\"", "{", "}", "[", "]", ",", ":", "//", "/*", "\n", "\r\n", "\\", "\\u0000", "null", "true", "-1", "1e400", "NaN",
        "?", "abc", "0.5", "\"x\"", "[]", "{}", "*", "../", "\t", ";", "\u00e9", new string('9', 40), "\"dnn\"", "\"tofino\"",
    };

    private sealed record Mutation(bool OnData, int Kind, int Position, int Length, string Text);

    private static readonly Gen<Mutation> Mutations =
        Gen.Select(Gen.Bool, Gen.Int[0, 5], Gen.Int[0, 100_000], Gen.Int[0, 12], Gen.Int[0, Insertions.Length - 1],
            (onData, kind, position, length, text) => new Mutation(onData, kind, position, length, Insertions[text]));

    private static string Apply(string text, Mutation m)
    {
        if (text.Length == 0) return m.Text;
        int at = m.Position % text.Length;
        int length = Math.Min(m.Length, text.Length - at);
        return m.Kind switch
        {
            0 => text.Remove(at, length),                                   // delete a range
            1 => text.Insert(at, m.Text),                                   // insert a token
            2 => text.Remove(at, length).Insert(at, m.Text),                // replace a range
            3 => text.Insert(at, text.Substring(at, length)),               // duplicate a range
            _ => text,                                                      // leave it alone
        };
    }

    [Fact]
    public void Mutated_inputs_give_success_or_hmc_diagnostics_only()
    {
        string train = TempProject.ToyCsv(60, seed: 5);
        string test = TempProject.ToyCsv(30, seed: 6);
        using var project = new TempProject();
        var code = new Regex(@"^HMC\d{4}$");
        int successes = 0, failures = 0;

        Gen.Select(Mutations, Mutations).Sample((first, second) =>
        {
            string spec = Spec, data = train;
            foreach (var m in new[] { first, second })
            {
                if (m.OnData) data = Apply(data, m);
                else spec = Apply(spec, m);
            }
            project.Spec(spec).File("train.csv", data).File("test.csv", test);
            string output = Path.Combine(project.Root, "out");
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);

            CompileResult result;
            try
            {
                result = Compilation.Run(new CompileRequest(project.SpecPath, output, null, null), default);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"the compiler threw {e.GetType().Name}: {e.Message}\n--- spec ---\n{spec}\n--- data (head) ---\n{string.Join("\n", data.Split('\n').Take(5))}");
            }

            foreach (var d in result.Diagnostics)
            {
                Assert.Matches(code, d.Descriptor.Code);
                string line = d.ToString();
                Assert.DoesNotContain("\n", line);
                Assert.DoesNotContain("   at ", line);
            }
            string modelFile = Path.Combine(output, "model.json");
            if (result.Success)
            {
                successes++;
                Assert.Equal(result.Model, ModelFileJson.Deserialize(File.ReadAllText(modelFile)));
            }
            else
            {
                failures++;
                Assert.Contains(result.Diagnostics, d => d.IsError);
                Assert.False(File.Exists(modelFile), "a failed compilation left a model file behind");
            }
        }, iter: 3000, threads: 1);

        // The mutations must exercise both outcomes, or the property says little.
        Assert.True(successes > 100 && failures > 100, $"{successes} successes, {failures} failures");
    }
}
