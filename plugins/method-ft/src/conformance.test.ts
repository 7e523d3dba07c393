import { describeMethodConformance } from '@crossedit/testing';
import ft from './index.js';

describeMethodConformance(ft);
