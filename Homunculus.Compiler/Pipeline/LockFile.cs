using System.IO;
using System.Text;
using Homunculus.Compiler.Caching;
using Homunculus.Compiler.Search;
using Homunculus.Compiler.Spec;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Pipeline;

/// <summary>
/// <c>&lt;file&gt;.hspec.lock</c>, beside the .hspec and meant to be committed: the configuration the last
/// search chose and the hash of the data it was chosen on. While the data hash matches (and the .hspec still
/// allows the configuration), a build trains only that configuration - no search. Delete the file, or build
/// with <c>-p:HomunculusSearch=true</c> (compiler flag <c>--search</c>), to search again (docs/search.md).
/// </summary>
public sealed record LockFile(string DataHash, TrialConfig Config, string Metric, double Validation)
{
    public const int FormatVersion = 1;

    public static string PathFor(string specPath) => specPath + ".lock";

    /// <summary>The lock file of a program (<c>&lt;file&gt;.hspec.lock</c>) or of one model of a schedule.</summary>
    public static string PathFor(HSpec spec) => spec.LockPath ?? PathFor(spec.SpecPath);

    public static LockFile? Read(HSpec spec) => ReadAt(PathFor(spec));

    public static LockFile? Read(string specPath) => ReadAt(PathFor(specPath));

    private static LockFile? ReadAt(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var json = JObject.Parse(File.ReadAllText(path));
            if ((int?)json["formatVersion"] != FormatVersion) return null;
            var config = TrialConfig.FromJson(json["configuration"]);
            string? data = (string?)json["data"];
            if (config is null || data is null) return null;
            return new LockFile(data, config, (string?)json["validation"]?["metric"] ?? "", (double?)json["validation"]?["value"] ?? 0);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or FormatException or InvalidCastException or ArgumentException)
        {
            return null;   // an unreadable lock is ignored: the build searches and rewrites it
        }
    }

    public string ToText()
    {
        var json = new JObject
        {
            ["comment"] = "Written by the Homunculus compiler after a design-space search: the chosen configuration and the data it was chosen on. Commit it: builds on the same data train only this configuration. Delete it, or build with -p:HomunculusSearch=true, to search again.",
            ["formatVersion"] = FormatVersion,
            ["data"] = DataHash,
            ["configuration"] = JToken.Parse(FamilySpaces.Canonical(Config.ToJson())),
            ["validation"] = new JObject { ["metric"] = Metric, ["value"] = Math.Round(Validation, 6) },
        };
        return json.ToString(Formatting.Indented).Replace("\r\n", "\n") + "\n";
    }

    /// <summary>Writes the lock when its content changed; a read-only source tree only loses the lock.</summary>
    public void Write(HSpec spec) => WriteAt(PathFor(spec));

    public void Write(string specPath) => WriteAt(PathFor(specPath));

    private void WriteAt(string path)
    {
        try
        {
            OutputFolder.WriteIfChanged(path, ToText());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
