using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Emitters;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Spatial;

namespace Homunculus.Compiler.Tests.Emitters;

/// <summary>
/// Every file the P4 and Spatial emitters write for the test models equals Golden/&lt;case&gt;/&lt;path&gt;.
/// Set HOMUNCULUS_UPDATE_GOLDEN=1 to rewrite the golden files in the source tree (then review the diff).
/// </summary>
public sealed class GoldenFileTests
{
    public const string UpdateVariable = "HOMUNCULUS_UPDATE_GOLDEN";

    internal static IReadOnlyList<IEmitter> Emitters => new IEmitter[] { new Bmv2Emitter(), new SpatialEmitter() };

    internal static IReadOnlyList<GeneratedFile> EmitAll(Homunculus.Model.Ir.ModelFile model) =>
        Emitters.SelectMany(e => e.Emit(model)).ToList();

    public static IEnumerable<object[]> Cases => EmitterTestModels.CaseNames;

    [Theory]
    [MemberData(nameof(Cases))]
    public void EmittedFilesMatchGoldenFiles(string caseName)
    {
        var files = EmitAll(EmitterTestModels.Get(caseName));
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Update(caseName, files);
            return;
        }
        string root = Path.Combine(AppContext.BaseDirectory, "Golden", caseName);
        Assert.True(Directory.Exists(root), $"no golden files for '{caseName}'; run with {UpdateVariable}=1");
        var expectedPaths = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expectedPaths, files.Select(f => f.RelativePath).OrderBy(p => p, StringComparer.Ordinal).ToList());
        foreach (var file in files)
        {
            string expected = File.ReadAllText(Path.Combine(root, file.RelativePath)).Replace("\r\n", "\n");
            Assert.True(expected == file.Content, $"{caseName}/{file.RelativePath} differs from its golden file; run with {UpdateVariable}=1 and review the diff");
        }
    }

    private static void Update(string caseName, IReadOnlyList<GeneratedFile> files)
    {
        string root = Path.Combine(SourceDirectory(), "Golden", caseName);
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        foreach (var file in files)
        {
            string path = Path.Combine(root, file.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
        }
    }

    /// <summary>The test project's source folder (found from the output folder upwards).</summary>
    private static string SourceDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Homunculus.Compiler.Tests.csproj"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the test project's folder to update golden files");
    }
}
