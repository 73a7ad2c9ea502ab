// Entry the runner starts (`runs.main` in action.yml): see ../launch.mjs for why it is a small .mjs file.
import { launch } from '../launch.mjs';

await launch('resolve-image');
