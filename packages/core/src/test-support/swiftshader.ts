/**
 * SwiftShader, the CPU Vulkan driver that Debian's `chromium` package ships, lets the webgpu tests
 * run Dawn on any machine. Its folder also holds a Vulkan loader (`libvulkan.so.1`), which Dawn
 * finds through LD_LIBRARY_PATH when the system has none; both must be in the environment before
 * the process starts, so the tests run the webgpu side in a child process with this environment.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where distributions put it (Debian/Ubuntu chromium). HYPERTX_SWIFTSHADER_ICD overrides. */
const KNOWN_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json', '/usr/lib64/chromium-browser/vk_swiftshader_icd.json'];

export const SWIFTSHADER_MISSING =
  'SwiftShader not found: the webgpu tests run Dawn on SwiftShader, the CPU Vulkan driver of Debian\'s chromium package. ' +
  `Install it (apt-get install chromium), or set HYPERTX_SWIFTSHADER_ICD to a vk_swiftshader_icd.json. Looked in: ${KNOWN_ICDS.join(', ')}`;

export function findSwiftShaderIcd(env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env['HYPERTX_SWIFTSHADER_ICD'];
  if (given) return existsSync(given) ? given : null;
  return KNOWN_ICDS.find((p) => existsSync(p)) ?? null;
}

/** The environment for a child process that runs Dawn on SwiftShader; throws SWIFTSHADER_MISSING when it is not installed. */
export function swiftShaderEnv(env: NodeJS.ProcessEnv = process.env, runtimeDir: string): NodeJS.ProcessEnv {
  const icd = findSwiftShaderIcd(env);
  if (!icd) throw new Error(env['HYPERTX_SWIFTSHADER_ICD'] ? `HYPERTX_SWIFTSHADER_ICD=${env['HYPERTX_SWIFTSHADER_ICD']} does not exist. ${SWIFTSHADER_MISSING}` : SWIFTSHADER_MISSING);
  const folder = dirname(icd);
  return {
    ...env,
    VK_ICD_FILENAMES: icd,
    LD_LIBRARY_PATH: [folder, env['LD_LIBRARY_PATH']].filter(Boolean).join(':'),
    XDG_RUNTIME_DIR: runtimeDir,
  };
}
